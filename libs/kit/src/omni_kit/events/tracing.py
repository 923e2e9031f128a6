"""Spans around the NATS hop: the producer span continues the trace the event was created in,
and the consumer span is its child, so one trace runs from the request to every handler."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from opentelemetry import trace

from omni_kit.events.names import TRACE_HEADERS
from omni_kit.telemetry import extract_context, inject_headers, tracer

_tracer = tracer("omni.events")


@contextmanager
def producer_span(
    subject: str, event_id: str, headers: Mapping[str, str]
) -> Iterator[dict[str, str]]:
    """Yield the headers to publish, carrying this span's context instead of the stored one."""
    # The outbox stores the traceparent of the request that created the event; the relay
    # publishes later from its own task, so that stored context is the parent, not the current.
    parent = extract_context(headers) if "traceparent" in headers else None
    attributes = {
        "messaging.system": "nats",
        "messaging.operation.type": "send",
        "messaging.destination.name": subject,
        "messaging.message.id": event_id,
    }
    with _tracer.start_as_current_span(
        f"publish {subject}", context=parent, kind=trace.SpanKind.PRODUCER, attributes=attributes
    ):
        rest = {k: v for k, v in headers.items() if k not in TRACE_HEADERS}
        yield inject_headers(rest)


@contextmanager
def consumer_span(
    subject: str, event_id: str, consumer: str, headers: Mapping[str, str]
) -> Iterator[trace.Span]:
    attributes = {
        "messaging.system": "nats",
        "messaging.operation.type": "process",
        "messaging.destination.name": subject,
        "messaging.message.id": event_id,
        "messaging.consumer.group.name": consumer,
    }
    with _tracer.start_as_current_span(
        f"process {subject}",
        context=extract_context(headers),
        kind=trace.SpanKind.CONSUMER,
        attributes=attributes,
        record_exception=False,
        set_status_on_exception=False,
    ) as span:
        yield span
