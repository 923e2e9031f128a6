"""Dead letters: a message that cannot be handled is parked on omni.dlq.<consumer> for a person,
with the original payload and headers and why it failed."""

from __future__ import annotations

from collections.abc import Mapping

from omni_kit.events.names import MSG_ID, TRACE_HEADERS

ORIGINAL_EVENT_ID = "Omni-Event-Id"
ERROR = "Omni-Dlq-Error"
CONSUMER = "Omni-Dlq-Consumer"
SUBJECT = "Omni-Dlq-Subject"
STREAM_SEQUENCE = "Omni-Dlq-Stream-Seq"
DELIVERIES = "Omni-Dlq-Deliveries"

_MAX_ERROR_LENGTH = 500


def describe(error: BaseException) -> str:
    """One line for a header: NATS headers cannot hold line breaks."""
    text = " ".join(str(error).split())
    line = f"{type(error).__name__}: {text}" if text else type(error).__name__
    return line[:_MAX_ERROR_LENGTH]


def dead_letter_id(consumer: str, event_id: str) -> str:
    # Per consumer: two consumers dead-lettering one event must not be deduplicated into one.
    return f"{consumer}:{event_id}"


def dead_letter_headers(
    original: Mapping[str, str],
    *,
    event_id: str,
    consumer: str,
    subject: str,
    stream_sequence: int,
    deliveries: int,
    error: BaseException,
) -> dict[str, str]:
    # Trace headers are dropped: the publisher injects the current (consumer) span instead.
    kept = {k: v for k, v in original.items() if k not in (MSG_ID, *TRACE_HEADERS)}
    return {
        **kept,
        ORIGINAL_EVENT_ID: event_id,
        ERROR: describe(error),
        CONSUMER: consumer,
        SUBJECT: subject,
        STREAM_SEQUENCE: str(stream_sequence),
        DELIVERIES: str(deliveries),
    }
