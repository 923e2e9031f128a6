"""The store's own operation counters: `serverStatus` opcounters (by kind) and `top` (by
collection, so by service: every service has its own database)."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from pymongo import AsyncMongoClient

OWN_COMMANDS = 2  # serverStatus and top, once per reading


@dataclass(frozen=True)
class Reading:
    at: float
    opcounters: dict[str, int]
    by_database: Counter[str]
    by_collection: Counter[str]  # "database.collection"
    micros_by_collection: Counter[str]  # the store's time on each, in microseconds

    def minus(self, earlier: Reading) -> tuple[dict[str, int], Counter[str]]:
        ops = {kind: n - earlier.opcounters.get(kind, 0) for kind, n in self.opcounters.items()}
        ops["command"] -= OWN_COMMANDS
        return ops, self.by_database - earlier.by_database


async def read(store: AsyncMongoClient[dict[str, Any]]) -> Reading:
    status = await store.admin.command("serverStatus")
    top = await store.admin.command("top")
    by_collection: Counter[str] = Counter()
    micros: Counter[str] = Counter()
    by_database: Counter[str] = Counter()
    for namespace, sections in top["totals"].items():
        if namespace != "note":
            by_collection[namespace] = sections["total"]["count"]
            micros[namespace] = sections["total"]["time"]
            by_database[namespace.split(".", 1)[0]] += sections["total"]["count"]
    opcounters = dict(status["opcounters"])
    return Reading(time.monotonic(), opcounters, by_database, by_collection, micros)
