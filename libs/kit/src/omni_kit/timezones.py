"""IANA time zones by name, one check for every service.

`ZoneInfo(name)` raises four different errors for names that are not zones (a folder such as
"Europe" is an `IsADirectoryError`), so names are checked against the zones the system knows
before one is loaded."""

from __future__ import annotations

import functools
from zoneinfo import ZoneInfo, available_timezones


@functools.cache
def _names() -> frozenset[str]:
    return frozenset(available_timezones())


def known(name: str) -> bool:
    return name in _names()


def zone(name: str) -> ZoneInfo | None:
    """The zone called `name`, or None when there is none by that name."""
    return ZoneInfo(name) if known(name) else None
