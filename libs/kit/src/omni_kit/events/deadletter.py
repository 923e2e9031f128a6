"""Dead letters: a message that cannot be handled is parked on omni.dlq.<consumer> for a person,
with the original payload and headers and why it failed. A person lists them and replays them
(the `omni events dead-letters` commands): a replay goes back on the event's own subject for
that one consumer, under the original event id, so its inbox makes a replay harmless."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from nats.js import JetStreamContext
from nats.js.api import RawStreamMsg
from nats.js.errors import NotFoundError

from omni_kit.events.bus import EventBus
from omni_kit.events.names import DLQ_STREAM, EVENT_TYPE, MSG_ID, TRACE_HEADERS, dlq_subject

ORIGINAL_EVENT_ID = "Omni-Event-Id"
ERROR = "Omni-Dlq-Error"
CONSUMER = "Omni-Dlq-Consumer"
SUBJECT = "Omni-Dlq-Subject"
STREAM_SEQUENCE = "Omni-Dlq-Stream-Seq"
DELIVERIES = "Omni-Dlq-Deliveries"
# On a replayed event: the one consumer that handles it; every other consumer of the subject
# acknowledges it untouched.
REPLAY_FOR = "Omni-Replay-For"
_DEAD_LETTER_HEADERS = (ERROR, CONSUMER, SUBJECT, STREAM_SEQUENCE, DELIVERIES)

_MAX_ERROR_LENGTH = 500


def describe(error: BaseException) -> str:
    """One line for a header: NATS headers cannot hold line breaks."""
    text = " ".join(str(error).split())
    line = f"{type(error).__name__}: {text}" if text else type(error).__name__
    return line[:_MAX_ERROR_LENGTH]


def dead_letter_id(consumer: str, event_id: str, stream_sequence: int) -> str:
    # Per consumer: two consumers dead-lettering one event must not be deduplicated into one.
    # Per stream message: a replayed copy that fails again is parked again, while parking one
    # message twice (its term lost, so redelivered) is dropped as a duplicate.
    return f"{consumer}:{event_id}:{stream_sequence}"


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


@dataclass(frozen=True)
class DeadLetter:
    sequence: int  # in OMNI_DLQ: what `replay` takes
    consumer: str
    subject: str
    event_id: str
    event_type: str
    deliveries: int
    error: str
    parked_at: datetime | None
    payload: bytes
    headers: Mapping[str, str]

    @classmethod
    def of(cls, raw: RawStreamMsg) -> DeadLetter:
        headers = raw.headers or {}
        return cls(
            sequence=raw.seq or 0,
            consumer=headers.get(CONSUMER, ""),
            subject=headers.get(SUBJECT, ""),
            event_id=headers.get(ORIGINAL_EVENT_ID, ""),
            event_type=headers.get(EVENT_TYPE, ""),
            deliveries=int(headers.get(DELIVERIES, "0") or 0),
            error=headers.get(ERROR, ""),
            parked_at=raw.time,
            payload=raw.data or b"",
            headers=headers,
        )

    def replay_headers(self) -> dict[str, str]:
        kept = {k: v for k, v in self.headers.items() if k not in _DEAD_LETTER_HEADERS}
        return {**kept, REPLAY_FOR: self.consumer}


async def dead_letters(
    js: JetStreamContext, consumer: str | None = None, limit: int | None = None
) -> list[DeadLetter]:
    """The dead letters waiting (of one consumer, or all), oldest first."""
    subject = dlq_subject(consumer) if consumer else "omni.dlq.>"
    found: list[DeadLetter] = []
    sequence = 1
    while limit is None or len(found) < limit:
        try:
            raw = await js.get_msg(DLQ_STREAM, seq=sequence, subject=subject, next=True)
        except NotFoundError:
            break
        found.append(DeadLetter.of(raw))
        sequence = (raw.seq or sequence) + 1
    return found


async def dead_letter(js: JetStreamContext, sequence: int) -> DeadLetter:
    """One dead letter by its OMNI_DLQ sequence; NotFoundError if there is none."""
    return DeadLetter.of(await js.get_msg(DLQ_STREAM, seq=sequence))


async def replay(bus: EventBus, letter: DeadLetter) -> None:
    """Put the event back on its subject for its consumer alone, then take it off the DLQ.

    Published under a replay id, so a replay interrupted before the delete and run again within
    JetStream's duplicate window is dropped as a copy; the consumer handles it under the
    original event id, so an event that had taken effect after all does not take it again.
    """
    await bus.publish_payload(
        letter.subject,
        letter.payload,
        event_id=f"replay:{letter.consumer}:{letter.event_id}:{letter.sequence}",
        event_type=letter.event_type,
        headers=letter.replay_headers(),
    )
    await bus.js.delete_msg(DLQ_STREAM, letter.sequence)


async def count_dead_letters(js: JetStreamContext, consumer: str) -> int:
    subject = dlq_subject(consumer)
    info = await js.stream_info(DLQ_STREAM, subjects_filter=subject)
    return (info.state.subjects or {}).get(subject, 0)
