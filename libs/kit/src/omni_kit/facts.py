"""Building event messages: every event embeds an EventMeta as field `meta`, filled here once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from google.protobuf.message import Message

from omni.common.v1 import common_pb2
from omni_kit.ids import new_id, utcnow
from omni_kit.protos import to_timestamp

M = TypeVar("M", bound=Message)


@dataclass(frozen=True)
class Event:
    subject: str
    message: Message

    @property
    def id(self) -> str:
        return str(self.message.meta.event_id)  # type: ignore[attr-defined]


def make_event(
    message_type: type[M],
    subject: str,
    *,
    source: str,
    aggregate_type: str,
    aggregate_id: str,
    aggregate_version: int = 0,
    channel: common_pb2.ChannelRef | None = None,
    actor: common_pb2.Actor | None = None,
    correlation_id: str = "",
    causation_id: str = "",
    **fields: Any,
) -> Event:
    event_id = new_id()
    meta = common_pb2.EventMeta(
        event_id=event_id,
        event_type=subject,
        occurred_at=to_timestamp(utcnow()),
        source=source,
        aggregate_type=aggregate_type,
        aggregate_id=aggregate_id,
        aggregate_version=aggregate_version,
        correlation_id=correlation_id or event_id,
        causation_id=causation_id,
        channel=channel,
        actor=actor,
    )
    return Event(subject, message_type(meta=meta, **fields))
