"""Protobuf <-> MongoDB document mapping shared by every service's api and store.

The stored shape, at every depth (nested messages, repeated fields, map values):
- keys are the proto field names; the top-level `id` is stored as `_id`;
- integers (int32/int64/uint32/uint64 and their fixed/sint forms) are numbers, so `$sum`, `$gt`
  and sorts compare them as numbers; money is `{amount_minor: <int>, currency_code: <str>}`;
- every `google.protobuf.Timestamp` is a BSON date (millisecond precision, the store's);
- enums are stored by their proto value name (`ORDER_STATUS_CONFIRMED`), the one spelling
  queries use; a number only for a value this code does not know;
- bytes are BSON binary; other well-known types (Struct, Duration, FieldMask...) keep their
  proto JSON form; fields at their default value are left out, as proto3 JSON leaves them.

`from_document` also reads the shape written before (proto3 JSON: int64 as strings, nested
timestamps as RFC 3339 strings, bytes as base64), so reads work while a migration runs.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar, overload

from google.protobuf import json_format
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

if TYPE_CHECKING:
    from google._upb import _message as upb

    # A message's DESCRIPTOR is the pure-Python descriptor or the upb one, by the backend.
    _Descriptor = Descriptor | upb.Descriptor
    _Field = FieldDescriptor | upb.FieldDescriptor

M = TypeVar("M", bound=Message)

_INTEGERS = {
    FieldDescriptor.CPPTYPE_INT32,
    FieldDescriptor.CPPTYPE_INT64,
    FieldDescriptor.CPPTYPE_UINT32,
    FieldDescriptor.CPPTYPE_UINT64,
}
_FLOATS = {FieldDescriptor.CPPTYPE_FLOAT, FieldDescriptor.CPPTYPE_DOUBLE}
# BSON integers are signed 64-bit; a uint64 above this is kept as its decimal text.
_INT64_MAX = 2**63 - 1


def to_document(message: Message) -> dict[str, Any]:
    document = _encode(message)
    if "id" in document:
        document["_id"] = document.pop("id")
    return document


def from_document(document: Mapping[str, Any], message_type: type[M]) -> M:
    """The message stored in `document`; keys that are not fields of it are ignored."""
    message = message_type()
    data = dict(document)
    if "_id" in data:
        identifier = data.pop("_id")
        if "id" in message_type.DESCRIPTOR.fields_by_name:
            data["id"] = identifier
    _decode(data, message)
    return message


def reshaped(document: Mapping[str, Any], message_type: type[Message]) -> dict[str, Any]:
    """The top-level fields of a stored `message_type` document whose stored form differs from
    what `to_document` writes today (`_id` and keys that are not fields are never touched)."""
    fields = message_type.DESCRIPTOR.fields_by_name
    current = to_document(from_document(document, message_type))
    return {
        key: value
        for key, value in current.items()
        if key in fields and key != "id" and document.get(key) != value
    }


@overload
def to_timestamp(value: datetime) -> Timestamp: ...
@overload
def to_timestamp(value: None) -> None: ...
@overload
def to_timestamp(value: datetime | None) -> Timestamp | None: ...
def to_timestamp(value: datetime | None) -> Timestamp | None:
    """`value` as a Timestamp (a naive datetime is read as UTC); None stays None."""
    if value is None:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC))
    return stamp


def from_timestamp(stamp: Timestamp) -> datetime:
    return stamp.ToDatetime(tzinfo=UTC)


def _encode(message: Message) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for field, value in message.ListFields():
        if (entry := _map_entry(field)) is not None:
            value_field = entry.fields_by_name["value"]
            document[field.name] = {
                _map_key(key): _encode_value(value_field, item) for key, item in value.items()
            }
        elif field.is_repeated:
            document[field.name] = [_encode_value(field, item) for item in value]
        else:
            document[field.name] = _encode_value(field, value)
    return document


def _encode_value(field: _Field, value: Any) -> Any:
    # message_type is set exactly on message fields, enum_type exactly on enum fields.
    if (message_type := field.message_type) is not None:
        if message_type is Timestamp.DESCRIPTOR:
            return from_timestamp(value)
        if _is_well_known(message_type):
            return json_format.MessageToDict(value, preserving_proto_field_name=True)
        return _encode(value)
    if (enum_type := field.enum_type) is not None:
        known = enum_type.values_by_number.get(value)
        return known.name if known is not None else value
    if field.cpp_type in _INTEGERS and value > _INT64_MAX:
        return str(value)
    return value


def _map_key(key: Any) -> str:
    return ("true" if key else "false") if isinstance(key, bool) else str(key)


def _decode(data: Mapping[str, Any], message: Message) -> None:
    descriptor = message.DESCRIPTOR
    for key, value in data.items():
        field = descriptor.fields_by_name.get(key) or descriptor.fields_by_camelcase_name.get(key)
        if field is None or value is None:
            continue
        target = getattr(message, field.name)
        if (entry := _map_entry(field)) is not None:
            key_field = entry.fields_by_name["key"]
            value_field = entry.fields_by_name["value"]
            for raw_key, item in value.items():
                map_key = _decode_scalar(key_field, raw_key)
                if value_field.cpp_type == FieldDescriptor.CPPTYPE_MESSAGE:
                    _decode_message(item, target[map_key])
                elif (scalar := _decode_scalar(value_field, item)) is not None:
                    target[map_key] = scalar
        elif field.is_repeated:
            if field.cpp_type == FieldDescriptor.CPPTYPE_MESSAGE:
                for item in value:
                    _decode_message(item, target.add())
            else:
                scalars = (_decode_scalar(field, item) for item in value)
                target.extend(scalar for scalar in scalars if scalar is not None)
        elif field.cpp_type == FieldDescriptor.CPPTYPE_MESSAGE:
            _decode_message(value, target)
        else:
            scalar = _decode_scalar(field, value)
            if scalar is not None:
                setattr(message, field.name, scalar)


def _decode_message(value: Any, message: Message) -> None:
    message.SetInParent()
    if isinstance(message, Timestamp):
        if isinstance(value, datetime):
            message.FromDatetime(value if value.tzinfo else value.replace(tzinfo=UTC))
        else:
            message.FromJsonString(value)
    elif _is_well_known(message.DESCRIPTOR):
        json_format.ParseDict(value, message, ignore_unknown_fields=True)
    else:
        _decode(value, message)


def _decode_scalar(field: _Field, value: Any) -> Any:
    kind = field.cpp_type
    if kind in _INTEGERS:
        return int(value)
    if kind in _FLOATS:
        return float(value)
    if kind == FieldDescriptor.CPPTYPE_BOOL:
        return value if isinstance(value, bool) else value == "true"
    if (enum_type := field.enum_type) is not None:
        if isinstance(value, str):
            known = enum_type.values_by_name.get(value)
            return None if known is None else known.number
        return int(value)
    if field.type == FieldDescriptor.TYPE_BYTES:
        return base64.b64decode(value) if isinstance(value, str) else bytes(value)
    return value


def _map_entry(field: _Field) -> _Descriptor | None:
    """The entry message of a map field (its `key` and `value` fields); None for other fields."""
    entry = field.message_type
    return entry if entry is not None and entry.GetOptions().map_entry else None


def _is_well_known(descriptor: _Descriptor) -> bool:
    return descriptor.full_name.startswith("google.protobuf.")
