"""Deadline propagation: an incoming call's deadline bounds every outgoing call it makes and
every store operation it runs."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import time
from collections.abc import Coroutine, Iterator
from typing import Any, TypeVar

import pymongo
from opentelemetry import context as otel_context

T = TypeVar("T")

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


def expired() -> bool:
    return remaining() == 0.0


def bounded_timeout(timeout: float | None) -> float | None:
    left = remaining()
    if left is None:
        return timeout
    return left if timeout is None else min(timeout, left)


@contextlib.contextmanager
def store_deadline(budget: float | None = None) -> Iterator[None]:
    """Bound every store operation inside by what is left of the current call's deadline (and
    by `budget`, the most store time one call may take).

    PyMongo's client-side operation timeout sends each command with `maxTimeMS` set to the time
    left (less the round trip), so the store gives up on work nobody waits for any more. It also
    waits for a reachable store that long instead of `serverSelectionTimeoutMS`, so the budget
    keeps a call with a distant deadline from hanging on a store that is down."""
    left = remaining()
    limit = min((x for x in (left, budget) if x is not None), default=None)
    if limit is None:
        yield
        return
    # pymongo.timeout(0) means "no timeout": an expired deadline still has to bound the work.
    with pymongo.timeout(max(limit, 0.001)):
        yield


def outlive_call(work: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
    """Start `work` as a task that the current call's deadline does not bound (neither its own
    calls nor its store operations), in the current trace: work a call starts and leaves
    running, such as a placed order's saga."""
    trace = otel_context.get_current()

    async def run() -> T:
        token = otel_context.attach(trace)
        try:
            return await work
        finally:
            otel_context.detach(token)

    # A fresh context: no deadline of the call, no store timeout of its block.
    return asyncio.get_running_loop().create_task(run(), context=contextvars.Context())
