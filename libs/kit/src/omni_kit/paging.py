"""Page sizes and opaque keyset cursors for every List RPC.

A token carries the last row's sort values (base64 of JSON; datetimes as epoch milliseconds)
and, when the caller gives one, a fingerprint of the query it belongs to, so a token replayed
with other filters is refused instead of silently skipping rows."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar, overload

from omni_kit.errors import InvalidArgument

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200

Value = str | int | float | bool | datetime | None
A = TypeVar("A", bound=Value)
B = TypeVar("B", bound=Value)


def page_size(requested: int, field: str = "page_size") -> int:
    """The page size asked for (0: the default); out of range is the caller's mistake."""
    if requested < 0 or requested > MAX_PAGE_SIZE:
        raise InvalidArgument(
            f"page_size must be between 1 and {MAX_PAGE_SIZE} (0 for {DEFAULT_PAGE_SIZE}); "
            f"got {requested}",
            field=field,
        )
    return requested or DEFAULT_PAGE_SIZE


def fingerprint(*parts: object) -> str:
    """A short digest of what a query asks for (filters and sort, not the page)."""
    text = json.dumps([_plain(part) for part in parts], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def encode_cursor(values: Sequence[Value], query: str = "") -> str:
    payload = {"v": [_encode(value) for value in values], "q": query}
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@overload
def decode_cursor(
    token: str,
    width: int,
    *,
    query: str = "",
    kinds: tuple[type[A]],
    field: str = "page_token",
) -> tuple[A] | None: ...
@overload
def decode_cursor(
    token: str,
    width: int,
    *,
    query: str = "",
    kinds: tuple[type[A], type[B]],
    field: str = "page_token",
) -> tuple[A, B] | None: ...
@overload
def decode_cursor(
    token: str,
    width: int,
    *,
    query: str = "",
    kinds: None = None,
    field: str = "page_token",
) -> list[Value] | None: ...
def decode_cursor(
    token: str,
    width: int,
    *,
    query: str = "",
    kinds: tuple[type, ...] | None = None,
    field: str = "page_token",
) -> Sequence[Value] | None:
    """The sort values a page token carries (None for no token); refused when malformed, of
    another width or `kinds`, or from another query. With `kinds` (one exact type a value),
    a tuple of those types."""
    if not token:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        payload = json.loads(raw)
        values = [_decode(value) for value in payload["v"]]
        owner = payload["q"]
    except (binascii.Error, ValueError, TypeError, KeyError, OverflowError):
        raise InvalidArgument(
            "page_token is not a token this API returned", reason="INVALID_PAGE_TOKEN", field=field
        ) from None
    shaped = len(values) == width and (
        kinds is None or all(type(v) is k for v, k in zip(values, kinds, strict=True))
    )
    if not shaped:
        raise InvalidArgument(
            "page_token is not a token this list returned", reason="INVALID_PAGE_TOKEN", field=field
        )
    if owner != query:
        raise InvalidArgument(
            "page_token belongs to a different query; start again without it",
            reason="INVALID_PAGE_TOKEN",
            field=field,
        )
    return values if kinds is None else tuple(values)


def _encode(value: Value) -> Any:
    if isinstance(value, datetime):
        return {"t": round(value.timestamp() * 1000)}
    return value


def _decode(value: Any) -> Value:
    if isinstance(value, dict):
        return datetime.fromtimestamp(int(value["t"]) / 1000, tz=UTC)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"unexpected cursor value {value!r}")


def _plain(part: object) -> object:
    if hasattr(part, "SerializeToString"):
        return part.SerializeToString(deterministic=True).hex()
    if isinstance(part, list | tuple):
        return [_plain(item) for item in part]
    return part
