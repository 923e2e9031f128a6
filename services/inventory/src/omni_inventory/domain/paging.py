"""Opaque cursors for List RPCs: the sort key of the last item returned, base64-encoded JSON."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from omni_kit.errors import InvalidArgument


def encode(*key: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode()


def decode(token: str, width: int) -> list[Any] | None:
    if not token:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (binascii.Error, ValueError):
        key = None
    if not isinstance(key, list) or len(key) != width:
        raise InvalidArgument(
            "page_token is not a token this list returned",
            reason="INVALID_PAGE_TOKEN",
            field="page_token",
        )
    return key
