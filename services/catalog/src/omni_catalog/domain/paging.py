"""Keyset pagination for catalog queries; page sizes and cursors are the kit's."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from omni_kit.paging import Value, decode_cursor, encode_cursor, fingerprint, page_size

__all__ = [
    "SortKey",
    "Value",
    "after",
    "decode_cursor",
    "encode_cursor",
    "fingerprint",
    "page_size",
]


@dataclass(frozen=True)
class SortKey:
    field: str
    descending: bool = False


def after(sort: Sequence[SortKey], values: Sequence[Value]) -> dict[str, Any]:
    """A filter for the rows strictly after `values` in `sort` order (keyset pagination).

    The last sort key must be unique (the id) so that ties on the others stay stable."""
    branches = []
    for index, key in enumerate(sort):
        branch: dict[str, Any] = {k.field: values[i] for i, k in enumerate(sort[:index])}
        branch[key.field] = {"$lt" if key.descending else "$gt": values[index]}
        branches.append(branch)
    return {"$or": branches}
