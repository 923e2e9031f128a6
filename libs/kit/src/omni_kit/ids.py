"""Identifiers and clocks: one place decides how ids look and that time is UTC."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime


def new_id(prefix: str = "") -> str:
    value = uuid.uuid4().hex
    return f"{prefix}_{value}" if prefix else value


def utcnow() -> datetime:
    """Now in UTC, to the millisecond: what a BSON date keeps, so a stored time reads back equal."""
    return to_millisecond(datetime.now(UTC))


def to_millisecond(moment: datetime) -> datetime:
    """`moment` as a BSON date keeps it (a given time answered as it will read back)."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)
