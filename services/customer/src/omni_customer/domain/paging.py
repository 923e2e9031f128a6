"""Page sizes and opaque page tokens (the last item's sort key, base64 of JSON)."""

from __future__ import annotations

import base64
import binascii
import json

from omni_kit.errors import InvalidArgument

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200

Key = list[str | int]


def page_size(requested: int) -> int:
    if requested < 0:
        raise InvalidArgument("page_size must not be negative", field="page_size")
    return min(requested or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)


def encode_token(key: Key) -> str:
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode()


def decode_token(token: str, shape: tuple[type, ...]) -> Key | None:
    """The key a token carries, checked against the expected shape; None for no token."""
    if not token:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        key = None
    valid = (
        isinstance(key, list)
        and len(key) == len(shape)
        and all(type(part) is kind for part, kind in zip(key, shape, strict=True))
    )
    if not valid:
        raise InvalidArgument("page_token is not a token this list returned", field="page_token")
    return key  # type: ignore[return-value]
