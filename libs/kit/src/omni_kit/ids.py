"""Identifiers and clocks: one place decides how ids look and that time is UTC."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime


def new_id(prefix: str = "") -> str:
    value = uuid.uuid4().hex
    return f"{prefix}_{value}" if prefix else value


def utcnow() -> datetime:
    return datetime.now(UTC)
