"""Field masks for partial updates: which paths a caller may name, applying them, and which
paths actually changed."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeVar

from google.protobuf.field_mask_pb2 import FieldMask
from google.protobuf.message import Message

from omni_kit.errors import InvalidArgument

M = TypeVar("M", bound=Message)


def validate_mask(
    paths: Sequence[str],
    updatable: Iterable[str],
    read_only: Iterable[str],
    field: str = "update_mask",
) -> list[str]:
    """The distinct paths of a mask, in order; refused when empty, unknown or read-only."""
    allowed = set(updatable)
    fixed = set(read_only)
    if not paths:
        raise InvalidArgument(
            f"update_mask must name the fields to change, from: {', '.join(sorted(allowed))}",
            reason="EMPTY_UPDATE_MASK",
            field=field,
        )
    for index, path in enumerate(paths):
        if path in fixed:
            raise InvalidArgument(
                f"{path!r} cannot be changed",
                reason="READ_ONLY_FIELD",
                field=f"{field}.paths[{index}]",
            )
        if path not in allowed:
            raise InvalidArgument(
                f"unknown field path {path!r} in update_mask; allowed: "
                f"{', '.join(sorted(allowed))}",
                reason="UNKNOWN_FIELD_PATH",
                field=f"{field}.paths[{index}]",
                metadata={"path": path},
            )
    return list(dict.fromkeys(paths))


def apply_mask(stored: M, changes: M, paths: Sequence[str]) -> M:
    """A copy of `stored` whose masked top-level fields are replaced by those of `changes`."""
    updated = type(stored)()
    updated.CopyFrom(stored)
    FieldMask(paths=list(paths)).MergeMessage(
        changes, updated, replace_message_field=True, replace_repeated_field=True
    )
    return updated


def changed_paths(before: Message, after: Message, paths: Sequence[str]) -> list[str]:
    return [path for path in paths if _field(before, path) != _field(after, path)]


def _field(message: Message, path: str) -> object:
    descriptor = message.DESCRIPTOR.fields_by_name[path]
    value = getattr(message, path)
    if descriptor.message_type is not None and not descriptor.is_repeated:
        return value if message.HasField(path) else None
    map_entry = (
        descriptor.message_type is not None and descriptor.message_type.GetOptions().map_entry
    )
    if descriptor.is_repeated and map_entry:
        return dict(value)
    return list(value) if descriptor.is_repeated else value
