"""Page sizes and opaque keyset cursors: a token carries the last row's sort values and a
fingerprint of the query it belongs to, so a token used with other filters is refused."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from omni_kit.errors import InvalidArgument

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200

Value = str | int | bool | datetime | None


@dataclass(frozen=True)
class SortKey:
    field: str
    descending: bool = False


def page_size(requested: int, field: str = "page_size") -> int:
    if requested < 0:
        raise InvalidArgument(f"page_size must not be negative (got {requested})", field=field)
    return min(requested or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)


def fingerprint(*parts: object) -> str:
    """A short digest of what a query asks for (filters and sort, not the page)."""
    text = json.dumps([_plain(part) for part in parts], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def encode_cursor(values: Sequence[Value], query: str) -> str:
    payload = {"v": [_encode(value) for value in values], "q": query}
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str, query: str, width: int, field: str = "page_token") -> list[Value]:
    """The sort values a page token carries; refused when malformed or from another query."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        payload = json.loads(raw)
        values = [_decode(value) for value in payload["v"]]
        owner = payload["q"]
    except (binascii.Error, ValueError, TypeError, KeyError, OverflowError):
        raise InvalidArgument(
            "page_token is not a token this API returned", reason="INVALID_PAGE_TOKEN", field=field
        ) from None
    if owner != query or len(values) != width:
        raise InvalidArgument(
            "page_token belongs to a different query; start again without it",
            reason="INVALID_PAGE_TOKEN",
            field=field,
        )
    return values


def after(sort: Sequence[SortKey], values: Sequence[Value]) -> dict[str, Any]:
    """A filter for the rows strictly after `values` in `sort` order (keyset pagination).

    The last sort key must be unique (the id) so that ties on the others stay stable."""
    branches = []
    for index, key in enumerate(sort):
        branch: dict[str, Any] = {k.field: values[i] for i, k in enumerate(sort[:index])}
        branch[key.field] = {"$lt" if key.descending else "$gt": values[index]}
        branches.append(branch)
    return {"$or": branches}


def _encode(value: Value) -> Any:
    if isinstance(value, datetime):
        return {"t": round(value.timestamp() * 1000)}
    return value


def _decode(value: Any) -> Value:
    if isinstance(value, dict):
        return datetime.fromtimestamp(int(value["t"]) / 1000, tz=UTC)
    if value is None or isinstance(value, str | int | bool):
        return value  # type: ignore[no-any-return]
    raise TypeError(f"unexpected cursor value {value!r}")


def _plain(part: object) -> object:
    if hasattr(part, "SerializeToString"):
        return part.SerializeToString(deterministic=True).hex()  # type: ignore[attr-defined]
    if isinstance(part, list | tuple):
        return [_plain(item) for item in part]
    return part
