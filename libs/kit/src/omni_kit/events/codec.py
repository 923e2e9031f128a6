"""Protobuf payloads: the event type a message declares and a decode that spots poison."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeVar

from google.protobuf.message import DecodeError, Message

from omni_kit.events.names import EVENT_TYPE

M = TypeVar("M", bound=Message)


class PoisonMessage(Exception):
    """A payload no retry can fix: undecodable, or of another type than the consumer expects."""


def event_type(message: Message) -> str:
    return message.DESCRIPTOR.full_name


def decode(message_type: type[M] | Sequence[type[M]], data: bytes, headers: Mapping[str, str]) -> M:
    """Decode as `message_type`, or, given several types, as the one the headers declare."""
    declared = headers.get(EVENT_TYPE)
    if isinstance(message_type, type):
        chosen = message_type
    else:
        by_name = {t.DESCRIPTOR.full_name: t for t in message_type}
        if declared not in by_name:
            raise PoisonMessage(
                f"unexpected event type {declared!r}; expected one of {sorted(by_name)}"
            )
        chosen = by_name[declared]
    expected = chosen.DESCRIPTOR.full_name
    # A payload of another type often decodes without error into nonsense, so trust the header.
    if declared and declared != expected:
        raise PoisonMessage(f"expected {expected}, got {declared}")
    try:
        return chosen.FromString(data)
    except DecodeError as error:
        raise PoisonMessage(f"cannot decode {expected}: {error}") from error
