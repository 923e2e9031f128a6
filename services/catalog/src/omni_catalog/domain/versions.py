"""Optimistic concurrency: every resource carries a version; a write names the one it read."""

from __future__ import annotations

from omni_kit.errors import Conflict, InvalidArgument


def require_version(expected_version: int, field: str = "expected_version") -> None:
    if expected_version <= 0:
        raise InvalidArgument(
            "expected_version is required: the version you read (optimistic concurrency)",
            reason="VERSION_REQUIRED",
            field=field,
        )


def stale(what: str, expected: int, current: int) -> Conflict:
    return Conflict(
        f"{what} is at version {current}, not {expected}; read it again and retry",
        reason="VERSION_MISMATCH",
        field="expected_version",
        metadata={"current_version": current},
    )
