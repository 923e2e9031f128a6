"""Deadline propagation: an incoming call's deadline bounds every outgoing call it makes."""

from __future__ import annotations

import contextvars
import time

_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "omni_deadline", default=None
)


def set_deadline_from_remaining(remaining: float | None) -> contextvars.Token[float | None]:
    value = None if remaining is None else time.monotonic() + remaining
    return _deadline.set(value)


def reset_deadline(token: contextvars.Token[float | None]) -> None:
    _deadline.reset(token)


def remaining() -> float | None:
    """Seconds left of the current call's deadline, or None outside a call with a deadline."""
    deadline = _deadline.get()
    return None if deadline is None else max(0.0, deadline - time.monotonic())


def bounded_timeout(timeout: float | None) -> float | None:
    left = remaining()
    if left is None:
        return timeout
    return left if timeout is None else min(timeout, left)
