"""What one checkout costs in round trips: store operations, split by service, and gRPC hops.

One customer checks out (cart, add a line, place the order) again and again, one at a time,
then the events it set off settle. Counted over that window:

- store operations from the store's own `serverStatus` opcounters (the total, by kind), split by
  service with the store's `top` (per collection; each service has its own database). Commands
  that name no collection (transaction commits, handshakes) are in the total but in no
  service's share. The stack's background work while idle (outbox relay polls, consumers'
  fetches), measured just before, is subtracted, as are this scenario's own reads of the
  counters;
- gRPC hops from the trace every process writes: each server span of a gRPC call (health
  checks aside), by method.

Both are per checkout. Counting spans costs time (every span is written as it ends): these are
counts, not timings. A/B: `make bench ab=main only=checkout_counts` (see ab.py)."""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import Counter
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

from checkout import AB_ENV as CHECKOUT_ENV
from checkout import CheckoutLoad
from harness.stack import ROOT, Stack, machine, stack_of
from harness.storeops import read
from pymongo import AsyncMongoClient

AB_ENV = CHECKOUT_ENV
AB_TRACED = True
SETTLE_SECONDS = 4.0
IDLE_SECONDS = 5.0
HEALTH = "/grpc.health.v1.Health/"


def grpc_hops(trace_file: Path, offset: int) -> tuple[Counter[str], int]:
    """Server spans of gRPC calls written after `offset`, by method; and the new offset."""
    hops: Counter[str] = Counter()
    with trace_file.open("rb") as spans:
        spans.seek(offset)
        data = spans.read()
    complete = data[: data.rfind(b"\n") + 1]  # a span still being written waits for next time
    for line in complete.splitlines():
        span = json.loads(line)
        grpc_served = (
            span["kind"] == "SpanKind.SERVER" and span["attributes"].get("rpc.system") == "grpc"
        )
        if grpc_served and not span["name"].startswith(HEALTH):
            hops[span["name"].lstrip("/")] += 1
    return hops, offset + len(complete)


@dataclass
class Counts:
    """An A/B side: single checkouts for a slice's seconds, then the settling; counted."""

    load: CheckoutLoad
    store: AsyncMongoClient[dict[str, Any]]
    trace_file: Path
    idle_per_second: dict[str, float]
    idle_by_database_per_second: dict[str, float]
    idle_by_collection_per_second: dict[str, float]
    offset: int = 0
    checkouts: int = 0
    seconds: float = 0.0
    ops: Counter[str] = field(default_factory=Counter)
    by_database: Counter[str] = field(default_factory=Counter)
    by_collection: Counter[str] = field(default_factory=Counter)
    hops: Counter[str] = field(default_factory=Counter)

    @classmethod
    async def prepared(cls, stack: Stack, exit_stack: AsyncExitStack) -> Self:
        assert stack.trace_file is not None, "the stack must be traced"
        load = await CheckoutLoad.prepared(stack, 1, exit_stack)
        store: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(stack.mongo_uri)
        exit_stack.push_async_callback(store.close)
        await asyncio.sleep(SETTLE_SECONDS)  # seeding's events
        start = await read(store)
        await asyncio.sleep(IDLE_SECONDS)
        idle = await read(store)
        ops, by_database = idle.minus(start)
        by_collection = idle.by_collection - start.by_collection
        seconds = time.monotonic() - start.at
        _, offset = grpc_hops(stack.trace_file, 0)
        return cls(
            load,
            store,
            stack.trace_file,
            {kind: n / seconds for kind, n in ops.items()},
            {db: n / seconds for db, n in by_database.items()},
            {name: n / seconds for name, n in by_collection.items()},
            offset,
        )

    async def run_slice(self, seconds: float) -> None:
        start = await read(self.store)
        before = sum(self.load.sample.outcomes.values())
        await self.load.run_slice(seconds)
        await asyncio.sleep(SETTLE_SECONDS)
        end = await read(self.store)
        ops, by_database = end.minus(start)
        self.ops.update(ops)
        self.by_database.update(by_database)
        self.by_collection.update(end.by_collection - start.by_collection)
        hops, self.offset = grpc_hops(self.trace_file, self.offset)
        self.hops.update(hops)
        self.checkouts += sum(self.load.sample.outcomes.values()) - before
        self.seconds += end.at - start.at

    def reset(self) -> None:
        self.load.reset()
        self.checkouts, self.seconds = 0, 0.0
        self.ops, self.by_database, self.hops = Counter(), Counter(), Counter()
        self.by_collection = Counter()

    def report(self) -> dict[str, Any]:
        n = self.checkouts or 1

        def net(counted: Counter[str], idle: dict[str, float]) -> dict[str, float]:
            return {
                key: round((counted[key] - idle.get(key, 0.0) * self.seconds) / n, 1)
                for key in sorted(counted)
            }

        ops = net(self.ops, self.idle_per_second)
        by_service = net(self.by_database, self.idle_by_database_per_second)
        by_collection = net(self.by_collection, self.idle_by_collection_per_second)
        total = round(sum(ops.values()), 1)
        return {
            "checkouts": self.checkouts,
            "outcomes": self.load.sample.outcomes,
            "store_ops_per_checkout": total,
            "store_ops_per_checkout_by_kind": ops,
            "store_ops_per_checkout_by_database": by_service,
            "store_ops_per_checkout_in_no_collection": round(total - sum(by_service.values()), 1),
            # Where each service's share goes (collections of at least half an operation each).
            "store_ops_per_checkout_by_collection": {
                name: n for name, n in by_collection.items() if n >= 0.5
            },
            "idle_store_ops_per_second": round(sum(self.idle_per_second.values()), 1),
            "grpc_hops_per_checkout": round(sum(self.hops.values()) / n, 2),
            "grpc_hops_per_checkout_by_method": {
                method: round(count / n, 2) for method, count in sorted(self.hops.items())
            },
        }


async def ab_side(stack: Stack, _: argparse.Namespace, exit_stack: AsyncExitStack) -> Counts:
    return await Counts.prepared(stack, exit_stack)


async def main(args: argparse.Namespace) -> dict[str, Any]:
    with stack_of(ROOT, AB_ENV, traced=True) as stack:
        async with AsyncExitStack() as exit_stack:
            counts = await Counts.prepared(stack, exit_stack)
            await counts.run_slice(args.seconds)
    return {
        "scenario": f"checkout counts: one customer checking out for {args.seconds}s, "
        "store operations and gRPC hops per checkout",
        **counts.report(),
        "machine": machine(),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    result = asyncio.run(main(parser.parse_args()))
    print(json.dumps(result, indent=2))
    print("RESULT " + json.dumps(result))
