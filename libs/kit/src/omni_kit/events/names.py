"""Naming conventions for streams, subjects and headers, shared by producers and consumers."""

from __future__ import annotations

MSG_ID = "Nats-Msg-Id"
CONTENT_TYPE = "Content-Type"
EVENT_TYPE = "Omni-Event-Type"
CHANNEL = "Omni-Channel"
# "<aggregate_type>:<aggregate_id>": consumers keep each aggregate's events in order, no more.
AGGREGATE = "Omni-Aggregate"
PROTOBUF = "application/protobuf"
TRACE_HEADERS = ("traceparent", "tracestate")

DOMAINS = ("catalog", "inventory", "order", "customer", "notification")

DLQ_STREAM = "OMNI_DLQ"
DLQ_SUBJECTS = ("omni.dlq.>",)


def stream_name(domain: str) -> str:
    return f"OMNI_{domain.upper()}"


def stream_subjects(domain: str) -> list[str]:
    return [f"omni.{domain}.>"]


def dlq_subject(durable: str) -> str:
    return f"omni.dlq.{durable}"
