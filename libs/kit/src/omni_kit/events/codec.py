"""Protobuf payloads: the event type a message declares and a decode that spots poison."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from google.protobuf.message import DecodeError, Message

from omni_kit.events.names import EVENT_TYPE

M = TypeVar("M", bound=Message)


class PoisonMessage(Exception):
    """A payload no retry can fix: undecodable, or of another type than the consumer expects."""


def event_type(message: Message) -> str:
    return message.DESCRIPTOR.full_name


def decode(message_type: type[M], data: bytes, headers: Mapping[str, str]) -> M:
    expected = message_type.DESCRIPTOR.full_name
    declared = headers.get(EVENT_TYPE)
    # A payload of another type often decodes without error into nonsense, so trust the header.
    if declared and declared != expected:
        raise PoisonMessage(f"expected {expected}, got {declared}")
    try:
        return message_type.FromString(data)
    except DecodeError as error:
        raise PoisonMessage(f"cannot decode {expected}: {error}") from error
