"""Checks run before each test that uses the shared store, so that when the store or the
test process's event loop stops working, the failure says which and why, instead of every
in-process service reporting "cannot use the store"."""

from __future__ import annotations

import asyncio
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from types import FrameType

from pymongo import MongoClient
from pymongo.errors import PyMongoError

from omni_kit.localstack import LocalProcess


def store_problem(store: LocalProcess, probe: MongoClient) -> str | None:
    """Why the shared store does not answer a ping, or None. The probe is a thread-based
    client, so it works even when the test event loop cannot make connections."""
    try:
        probe.admin.command("ping")
        return None
    except PyMongoError as error:
        log_tail = store.log_path.read_text(errors="replace")[-1500:]
        return (
            f"the shared test store on port {store.port} does not answer "
            f"(process {'running' if store.running else f'exited {store.process.returncode}'}): "
            f"{error}\n--- end of {store.log_path} ---\n{log_tail}"
        )


def executor_problem(drain_seconds: float = 10.0) -> str | None:
    """Why the shared test loop's default executor cannot take work, or None.

    pymongo's async client resolves every address on this executor (loop.getaddrinfo), so
    when its threads are all stuck in long blocking calls, every in-process service fails
    to reach the store with "No servers found yet"."""
    try:
        loop = asyncio.get_event_loop_policy().get_event_loop()
    except RuntimeError:
        return None
    executor = getattr(loop, "_default_executor", None)
    if not isinstance(executor, ThreadPoolExecutor):
        return None
    deadline = time.monotonic() + drain_seconds
    while executor._work_queue.qsize() and time.monotonic() < deadline:
        time.sleep(0.1)
    queued = executor._work_queue.qsize()
    if not queued:
        return None
    frames = sys._current_frames()
    busy = Counter(
        _work_of(frames[thread.ident]) for thread in executor._threads if thread.ident in frames
    )
    return (
        f"the test event loop's default executor has {queued} calls queued behind its "
        f"{len(executor._threads)} threads, busy with: "
        + "; ".join(f"{count} x {work}" for work, count in busy.most_common())
    )


def _work_of(frame: FrameType) -> str:
    """The call an executor thread is running, and where it is now."""
    where = f"{frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}"
    current: FrameType | None = frame
    while current is not None:
        item = current.f_locals.get("self")
        if current.f_code.co_name == "run" and hasattr(item, "fn"):
            return f"{item.fn!r} (at {where})"
        current = current.f_back
    return where
