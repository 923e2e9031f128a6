"""Loop helpers for long-running tasks."""

from __future__ import annotations

import asyncio


def raise_if_cancelled() -> None:
    """Honour a cancellation that a library swallowed.

    On Python 3.11, asyncio.wait_for returns the result instead of raising when the task is
    cancelled just as the awaited value arrives; nats-py's fetch waits that way, so about one
    stop in a hundred was lost and the loop ran on. The task still counts the request.
    """
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError
