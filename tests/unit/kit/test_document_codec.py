"""The stored document shape (omni_kit.protos): numbers, dates and enum names at every depth, and
documents in the shape written before (proto3 JSON) still read."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from google.protobuf import (
    descriptor_pb2,
    descriptor_pool,
    json_format,
    message_factory,
    struct_pb2,
    timestamp_pb2,
)
from google.protobuf.message import Message

from omni.common.v1 import common_pb2
from omni.order.v1 import order_pb2
from omni_kit.protos import from_document, reshaped, to_document, to_timestamp

F = descriptor_pb2.FieldDescriptorProto
AT = datetime(2025, 3, 4, 5, 6, 7, 123000, tzinfo=UTC)
LATER = datetime(2025, 3, 5, 0, 0, 0, 500000, tzinfo=UTC)


def _sample_type() -> type[Message]:
    """A message with every shape the codec handles, maps and uint64 included (no service proto
    has a map yet)."""
    proto = descriptor_pb2.FileDescriptorProto(
        name="codec_sample.proto",
        package="codec.test",
        syntax="proto3",
        dependency=["google/protobuf/timestamp.proto", "google/protobuf/struct.proto"],
    )
    color = proto.enum_type.add(name="Color")
    color.value.add(name="COLOR_UNSPECIFIED", number=0)
    color.value.add(name="COLOR_RED", number=1)
    inner = proto.message_type.add(name="Inner")
    inner.field.add(name="count", number=1, type=F.TYPE_INT64, label=F.LABEL_OPTIONAL)
    inner.field.add(
        name="at",
        number=2,
        type=F.TYPE_MESSAGE,
        type_name=".google.protobuf.Timestamp",
        label=F.LABEL_OPTIONAL,
    )
    sample = proto.message_type.add(name="Sample")
    fields: list[tuple[str, int, int, str]] = [
        ("id", F.TYPE_STRING, F.LABEL_OPTIONAL, ""),
        ("big", F.TYPE_UINT64, F.LABEL_OPTIONAL, ""),
        ("counts", F.TYPE_INT64, F.LABEL_REPEATED, ""),
        ("inner", F.TYPE_MESSAGE, F.LABEL_OPTIONAL, ".codec.test.Inner"),
        ("inners", F.TYPE_MESSAGE, F.LABEL_REPEATED, ".codec.test.Inner"),
        ("stamps", F.TYPE_MESSAGE, F.LABEL_REPEATED, ".google.protobuf.Timestamp"),
        ("color", F.TYPE_ENUM, F.LABEL_OPTIONAL, ".codec.test.Color"),
        ("colors", F.TYPE_ENUM, F.LABEL_REPEATED, ".codec.test.Color"),
        ("blob", F.TYPE_BYTES, F.LABEL_OPTIONAL, ""),
        ("ratio", F.TYPE_DOUBLE, F.LABEL_OPTIONAL, ""),
        ("flag", F.TYPE_BOOL, F.LABEL_OPTIONAL, ""),
        ("extra", F.TYPE_MESSAGE, F.LABEL_OPTIONAL, ".google.protobuf.Struct"),
        ("by_name", F.TYPE_MESSAGE, F.LABEL_REPEATED, ".codec.test.Sample.ByNameEntry"),
        ("by_number", F.TYPE_MESSAGE, F.LABEL_REPEATED, ".codec.test.Sample.ByNumberEntry"),
    ]
    for number, (name, kind, label, type_name) in enumerate(fields, start=1):
        field = sample.field.add(name=name, number=number, type=kind, label=label)
        if type_name:
            field.type_name = type_name
    for entry, key_type, value_type, value_name in [
        ("ByNameEntry", F.TYPE_STRING, F.TYPE_INT64, ""),
        ("ByNumberEntry", F.TYPE_INT32, F.TYPE_MESSAGE, ".codec.test.Inner"),
    ]:
        nested = sample.nested_type.add(name=entry)
        nested.options.map_entry = True
        nested.field.add(name="key", number=1, type=key_type, label=F.LABEL_OPTIONAL)
        value = nested.field.add(name="value", number=2, type=value_type, label=F.LABEL_OPTIONAL)
        if value_name:
            value.type_name = value_name
    pool = descriptor_pool.Default()
    assert pool.FindMessageTypeByName("google.protobuf.Struct") is struct_pb2.Struct.DESCRIPTOR
    pool.Add(proto)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("codec.test.Sample"))


Sample = _sample_type()


def _sample() -> Any:
    message = Sample(
        id="s1",
        big=2**64 - 5,
        counts=[1250, -3, 2**40],
        color=1,
        colors=[1, 0],
        blob=b"\x00\x01",
        ratio=0.25,
        flag=True,
    )
    message.inner.count = 9_000_000_000
    message.inner.at.CopyFrom(to_timestamp(AT))
    message.inners.add(count=7).at.CopyFrom(to_timestamp(LATER))
    message.inners.add()
    message.stamps.add().CopyFrom(to_timestamp(AT))
    message.extra.update({"note": "hi", "n": 2})
    message.by_name["a"] = 5
    message.by_number[3].count = 11
    return message


def _order() -> order_pb2.Order:
    eur = common_pb2.Money(amount_minor=1250, currency_code="EUR")
    order = order_pb2.Order(
        id="ord_1",
        number="W-1",
        version=4,
        status=order_pb2.ORDER_STATUS_CONFIRMED,
        lines=[order_pb2.OrderLine(line_id="l1", sku="TEE", quantity=3, unit_price=eur)],
        placed_at=to_timestamp(AT),
    )
    order.totals.total.CopyFrom(eur)
    order.history.add(to_status=order_pb2.ORDER_STATUS_PENDING).at.CopyFrom(to_timestamp(AT))
    return order


def test_integers_are_numbers_at_every_depth() -> None:
    document = to_document(_sample())
    assert document["counts"] == [1250, -3, 2**40]
    assert document["inner"]["count"] == 9_000_000_000
    assert [inner.get("count") for inner in document["inners"]] == [7, None]
    assert document["by_name"] == {"a": 5}
    assert document["by_number"] == {"3": {"count": 11}}
    # Above what BSON's signed 64-bit integer holds: kept as text, still read.
    assert document["big"] == str(2**64 - 5)


def test_every_timestamp_is_a_date() -> None:
    document = to_document(_sample())
    assert document["inner"]["at"] == AT
    assert document["inners"][0]["at"] == LATER
    assert document["stamps"] == [AT]


def test_enums_by_name_other_types_as_stored() -> None:
    document = to_document(_sample())
    assert document["color"] == "COLOR_RED"
    assert document["colors"] == ["COLOR_RED", "COLOR_UNSPECIFIED"]
    assert document["blob"] == b"\x00\x01"
    assert document["extra"] == {"note": "hi", "n": 2.0}
    assert document["_id"] == "s1" and "id" not in document


def test_order_money_and_versions_are_numbers() -> None:
    document = to_document(_order())
    assert document["version"] == 4
    assert document["totals"]["total"] == {"amount_minor": 1250, "currency_code": "EUR"}
    assert document["lines"][0]["quantity"] == 3
    assert document["status"] == "ORDER_STATUS_CONFIRMED"
    assert document["history"][0]["at"] == AT


def test_round_trip_is_the_same_message() -> None:
    for message in (_sample(), _order()):
        assert from_document(to_document(message), type(message)) == message


def old_shape(message: Message) -> dict[str, Any]:
    """A document as stored before: proto3 JSON, top-level timestamps as dates."""
    document = json_format.MessageToDict(message, preserving_proto_field_name=True)
    for field in message.DESCRIPTOR.fields:
        stamp = field.message_type is timestamp_pb2.Timestamp.DESCRIPTOR
        if stamp and not field.is_repeated and field.name in document:
            document[field.name] = getattr(message, field.name).ToDatetime(tzinfo=UTC)
    document["_id"] = document.pop("id")
    return document


def test_old_string_shape_still_reads() -> None:
    for message in (_sample(), _order()):
        stored = old_shape(message)
        assert from_document(stored, type(message)) == message
    assert old_shape(_order())["totals"]["total"]["amount_minor"] == "1250"


def test_reshaped_names_the_fields_to_rewrite_and_nothing_once_done() -> None:
    stored = old_shape(_order()) | {"sales": {"revenue": 1250}}
    fields = reshaped(stored, order_pb2.Order)
    assert set(fields) == {"version", "lines", "totals", "history"}
    assert fields["totals"]["total"]["amount_minor"] == 1250
    assert fields["history"][0]["at"] == AT
    assert reshaped(stored | fields, order_pb2.Order) == {}


def test_unknown_keys_and_enum_names_are_ignored() -> None:
    stored = {"_id": "ord_2", "status": "ORDER_STATUS_FROM_THE_FUTURE", "helper": 1}
    assert from_document(stored, order_pb2.Order) == order_pb2.Order(id="ord_2")
