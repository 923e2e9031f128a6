"""Update masks: which fields of a patch a change applies (the paths of a FieldMask)."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Sequence
from typing import Any, TypeVar

from omni_kit.errors import InvalidArgument

T = TypeVar("T")


def mask_paths(
    mask: Sequence[str],
    patch: object,
    allowed: Collection[str],
    *,
    owned_elsewhere: dict[str, str] | None = None,
) -> list[str]:
    """The paths to apply: the mask's (each checked), or without a mask the allowed fields the
    patch sets."""
    paths = list(mask)
    if not paths:
        return [name for name in allowed if getattr(patch, name)]
    for path in paths:
        root = path.split(".", 1)[0]
        if root in allowed:
            continue
        elsewhere = (owned_elsewhere or {}).get(root)
        hint = f"; it is changed by {elsewhere}" if elsewhere else ""
        raise InvalidArgument(
            f"{path!r} cannot be updated here{hint} (updatable: {', '.join(allowed)})",
            reason="FIELD_NOT_UPDATABLE",
            field="update_mask",
        )
    return paths


def apply_mask(paths: Sequence[str], source: T, destination: T, prefix: str = "") -> T:
    """`destination` with the fields the paths name taken from `source` (a path may name a
    field of a field, "address.city"); a field of a field that is absent starts empty."""
    names = {field.name for field in dataclasses.fields(destination)}  # type: ignore[arg-type]
    nested: dict[str, list[str]] = {}
    changes: dict[str, Any] = {}
    for path in paths:
        root, _, rest = path.partition(".")
        if root not in names:
            raise InvalidArgument(f"'{prefix}{path}' is not a field to update", field="update_mask")
        if rest:
            nested.setdefault(root, []).append(rest)
        else:
            changes[root] = getattr(source, root)
    for root, rests in nested.items():
        if root in changes:
            continue
        inner_source, inner_destination = getattr(source, root), getattr(destination, root)
        template = inner_source if inner_source is not None else inner_destination
        if template is None:
            continue
        if not dataclasses.is_dataclass(template):
            raise InvalidArgument(
                f"'{prefix}{root}' has no fields to name ('{prefix}{root}.{rests[0]}')",
                field="update_mask",
            )
        blank = _empty(template)
        changes[root] = apply_mask(
            rests,
            blank if inner_source is None else inner_source,
            blank if inner_destination is None else inner_destination,
            f"{prefix}{root}.",
        )
    return dataclasses.replace(destination, **changes)  # type: ignore[type-var]


def _empty(value: Any) -> Any:
    """A value of the same dataclass with every field at its default."""
    return type(value)()
