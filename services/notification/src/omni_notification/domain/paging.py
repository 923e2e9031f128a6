"""Page sizes and opaque cursors (the sort key of the last item) for every List RPC."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from omni_kit.errors import InvalidArgument

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


def page_size(value: int) -> int:
    if value < 0:
        raise InvalidArgument("page_size must not be negative", field="page_size")
    return min(value or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)


def encode_cursor(values: list[Any]) -> str:
    data = json.dumps([_encode(value) for value in values], separators=(",", ":"))
    return base64.urlsafe_b64encode(data.encode()).decode().rstrip("=")


def decode_cursor(token: str, size: int) -> list[Any] | None:
    """The sort key after which the page starts; None for the first page."""
    if not token:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != size:
            raise ValueError(token)
        return [_decode(value) for value in values]
    except (binascii.Error, ValueError, TypeError, KeyError, OverflowError):
        raise InvalidArgument(
            "page_token is not a token this list returned",
            reason="BAD_PAGE_TOKEN",
            field="page_token",
        ) from None


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return {"t": (aware - _EPOCH) // _MS}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        return _EPOCH + int(value["t"]) * _MS
    if value is None or isinstance(value, str | int):
        return value
    raise ValueError(value)
