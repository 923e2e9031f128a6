"""Field masks for partial updates: which paths a caller may name, applying them, and which
paths actually changed. A path names a top-level field of a domain type; a masked field is
replaced whole (a map or a list too), an unset one in the changes clears it."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, TypeVar

from omni_kit.errors import InvalidArgument

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

D = TypeVar("D", bound="DataclassInstance")


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


def apply_mask(stored: D, changes: D, paths: Sequence[str]) -> D:
    """`stored` with its masked fields replaced by those of `changes`."""
    return dataclasses.replace(stored, **{path: getattr(changes, path) for path in paths})


def changed_paths(before: D, after: D, paths: Sequence[str]) -> list[str]:
    return [path for path in paths if getattr(before, path) != getattr(after, path)]
