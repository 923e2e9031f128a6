"""The pure parts of the events kit: naming, backoff, decoding and dead-letter headers."""

from __future__ import annotations

import pytest
from google.protobuf import struct_pb2, wrappers_pb2

from omni_kit.events import (
    Backoff,
    PoisonMessage,
    decode,
    dlq_subject,
    event_type,
    stream_name,
    stream_subjects,
)
from omni_kit.events.deadletter import dead_letter_headers, dead_letter_id, describe


def test_one_stream_per_domain_and_a_dead_letter_subject_per_consumer():
    assert stream_name("order") == "OMNI_ORDER"
    assert stream_subjects("order") == ["omni.order.>"]
    assert dlq_subject("notification-order-confirmed") == "omni.dlq.notification-order-confirmed"


def test_backoff_grows_exponentially_up_to_its_maximum():
    backoff = Backoff(first=0.5, factor=2, maximum=3)
    assert [backoff.delay(n) for n in range(5)] == [0.5, 1.0, 2.0, 3, 3]
    assert backoff.delay(-1) == 0.5


def test_decode_returns_the_message_it_was_given():
    message = wrappers_pb2.StringValue(value="sku-1")
    headers = {"Omni-Event-Type": event_type(message)}
    assert decode(wrappers_pb2.StringValue, message.SerializeToString(), headers) == message


def test_undecodable_bytes_are_poison():
    with pytest.raises(PoisonMessage, match=r"cannot decode google\.protobuf\.StringValue"):
        decode(wrappers_pb2.StringValue, b"garbage \xff\xfe bytes", {})


def test_a_payload_declared_as_another_type_is_poison_even_if_it_would_decode():
    payload = struct_pb2.Struct().SerializeToString()
    with pytest.raises(
        PoisonMessage, match=r"expected google\.protobuf\.StringValue, got google\.protobuf\.Struct"
    ):
        decode(wrappers_pb2.StringValue, payload, {"Omni-Event-Type": "google.protobuf.Struct"})


def test_dead_letter_headers_keep_the_original_and_say_why_on_one_line():
    original = {
        "Nats-Msg-Id": "evt_1",
        "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        "Omni-Event-Type": "google.protobuf.StringValue",
        "Content-Type": "application/protobuf",
    }
    headers = dead_letter_headers(
        original,
        event_id="evt_1",
        consumer="billing",
        subject="omni.order.order.confirmed",
        stream_sequence=42,
        deliveries=5,
        error=ValueError("line one\nline two"),
    )
    assert headers["Omni-Event-Id"] == "evt_1"
    assert headers["Omni-Dlq-Error"] == "ValueError: line one line two"
    assert headers["Omni-Dlq-Consumer"] == "billing"
    assert headers["Omni-Dlq-Subject"] == "omni.order.order.confirmed"
    assert headers["Omni-Dlq-Stream-Seq"] == "42"
    assert headers["Omni-Dlq-Deliveries"] == "5"
    assert headers["Omni-Event-Type"] == "google.protobuf.StringValue"
    # The publisher sets its own message id and trace context.
    assert "Nats-Msg-Id" not in headers
    assert "traceparent" not in headers


def test_each_consumer_dead_letters_an_event_under_its_own_id():
    assert dead_letter_id("a", "evt_1", 7) != dead_letter_id("b", "evt_1", 7)


def test_a_replayed_copy_is_parked_under_another_id_and_one_message_twice_under_one():
    assert dead_letter_id("a", "evt_1", 7) != dead_letter_id("a", "evt_1", 9)
    assert dead_letter_id("a", "evt_1", 7) == dead_letter_id("a", "evt_1", 7)


def test_error_descriptions_are_bounded():
    assert len(describe(RuntimeError("x" * 10_000))) <= 500
    assert describe(TimeoutError()) == "TimeoutError"
