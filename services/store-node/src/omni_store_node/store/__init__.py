"""The node's durable local store: one SQLite file in WAL mode with synchronous=FULL, so a commit
is on disk (the WAL fsynced) before the call that made it returns."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from omni_store_node.store.journal import JOURNAL_SCHEMA, Journal
from omni_store_node.store.replica import REPLICA_SCHEMA, Replica
from omni_store_node.store.shifts import SHIFTS_SCHEMA, Shifts

T = TypeVar("T")


class LocalStore:
    """One connection used from worker threads in turn (SQLite has one writer anyway)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        self._lock = threading.Lock()
        mode = self._db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if mode != "wal":
            raise RuntimeError(f"the journal at {path} cannot use WAL mode (got {mode})")
        # FULL: the WAL is fsynced at every commit, so a receipt never outlives its sale.
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(JOURNAL_SCHEMA + REPLICA_SCHEMA + SHIFTS_SCHEMA)
        self.journal = Journal(self)
        self.replica = Replica(self)
        self.shifts = Shifts(self)

    async def run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        return await asyncio.to_thread(self._locked, work)

    def _locked(self, work: Callable[[sqlite3.Connection], T]) -> T:
        with self._lock:
            return work(self._db)

    def close(self) -> None:
        with self._lock:
            self._db.close()


__all__ = ["Journal", "LocalStore", "Replica", "Shifts"]
