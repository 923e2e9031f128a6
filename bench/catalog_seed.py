"""Catalog seeding: products through ImportProducts (harness/catalog_data.py: names in three
languages, three variants, three channels), 200 a call, three calls at once, as the scale
scenario seeds them. Reports products per second and what a product costs: store operations
(by kind and by collection of the catalog's database; see harness/storeops.py) and CPU
milliseconds of each process (the store's above all).

`python bench/catalog_seed.py 3000` seeds 3,000 products on a fresh stack; `--profile` also
samples the store and the catalog with py-spy while it seeds and names their top functions.
A/B: `make bench ab=main only=catalog_seed` (slices of seeding on both revisions' stacks)."""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import tempfile
import time
from collections import Counter
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import catalog_data as data
from harness.profile import children, cpu_seconds, record
from harness.stack import Stack, local_stack, machine
from harness.storeops import Reading, read
from pymongo import AsyncMongoClient
from scale import BATCH, ENV, seed

from omni.catalog.v1 import catalog_pb2_grpc
from omni_kit.app import channel

AB_ENV = ENV
AB_TRACED = False


@dataclass
class Seeding:
    """One stack's seeding, measured: the A/B side, and the whole of a plain run."""

    catalog: Any
    categories: dict[str, str]
    store: AsyncMongoClient[dict[str, Any]]
    processes: dict[str, int]
    next_product: itertools.count[int] = field(default_factory=lambda: itertools.count(0, BATCH))
    products: int = 0
    seconds: float = 0.0
    ops: Counter[str] = field(default_factory=Counter)
    by_collection: Counter[str] = field(default_factory=Counter)
    micros: Counter[str] = field(default_factory=Counter)
    cpu: Counter[str] = field(default_factory=Counter)

    @classmethod
    async def prepared(cls, stack: Stack, exit_stack: AsyncExitStack) -> Seeding:
        grpc_channel = channel(stack.grpc["catalog"])
        exit_stack.push_async_callback(grpc_channel.close)
        catalog = catalog_pb2_grpc.CatalogServiceStub(grpc_channel)
        store: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(stack.mongo_uri)
        exit_stack.push_async_callback(store.close)
        return cls(catalog, await data.create_categories(catalog), store, children(stack.pid))

    async def seed(self, products: int) -> None:
        """`products` more products (whole calls of BATCH), measured."""
        start = next(self.next_product)
        for _ in range(products // BATCH - 1):
            next(self.next_product)
        await self._measured(start, start + products)

    async def run_slice(self, seconds: float) -> None:
        """Calls of BATCH products, three at a time, until `seconds` have passed."""
        ends = time.monotonic() + seconds
        while time.monotonic() < ends:
            start = next(self.next_product)
            for _ in range(2):
                next(self.next_product)
            await self._measured(start, start + 3 * BATCH)

    async def _measured(self, start: int, stop: int) -> None:
        first, cpu_first = await read(self.store), cpu_seconds(self.processes)
        began = time.monotonic()
        await seed(self.catalog, self.categories, start, stop)
        self.seconds += time.monotonic() - began
        last, cpu_last = await read(self.store), cpu_seconds(self.processes)
        self.products += stop - start
        self._count(first, last)
        self.cpu.update({name: cpu_last[name] - cpu_first.get(name, 0.0) for name in cpu_last})

    def _count(self, first: Reading, last: Reading) -> None:
        ops, _ = last.minus(first)
        self.ops.update(ops)
        self.by_collection.update(_catalog(last.by_collection) - _catalog(first.by_collection))
        self.micros.update(
            _catalog(last.micros_by_collection) - _catalog(first.micros_by_collection)
        )

    def reset(self) -> None:
        self.products, self.seconds = 0, 0.0
        self.ops, self.by_collection, self.cpu = Counter(), Counter(), Counter()
        self.micros = Counter()

    def report(self) -> dict[str, Any]:
        n = self.products or 1
        return {
            "products": self.products,
            "products_per_second": round(self.products / self.seconds, 1) if self.seconds else 0,
            "store_ops_per_product": round(sum(self.ops.values()) / n, 2),
            "store_ops_per_product_by_kind": {
                kind: round(count / n, 2) for kind, count in sorted(self.ops.items())
            },
            "catalog_ops_per_product_by_collection": {
                name: round(count / n, 2) for name, count in sorted(self.by_collection.items())
            },
            "store_ms_per_product_by_collection": {
                name: round(micros / 1000 / n, 2) for name, micros in sorted(self.micros.items())
            },
            "cpu_ms_per_product": {
                name: round(seconds * 1000 / n, 2) for name, seconds in sorted(self.cpu.items())
            },
        }


def _catalog(by_namespace: Counter[str]) -> Counter[str]:
    """The catalog database's part, by collection."""
    return Counter(
        {
            name.split(".", 1)[1]: count
            for name, count in by_namespace.items()
            if name.startswith("omni_catalog.")
        }
    )


async def ab_side(stack: Stack, _: argparse.Namespace, exit_stack: AsyncExitStack) -> Seeding:
    return await Seeding.prepared(stack, exit_stack)


async def main(args: argparse.Namespace) -> dict[str, Any]:
    with local_stack(**ENV) as stack:
        async with AsyncExitStack() as exit_stack:
            seeding = await Seeding.prepared(stack, exit_stack)
            profiled: dict[str, object] = {}
            if args.profile:
                with tempfile.TemporaryDirectory(prefix="omni-seed-profile-") as tmp:
                    pids = {k: v for k, v in seeding.processes.items() if k in ("store", "catalog")}
                    sampling = asyncio.ensure_future(record(pids, args.profile, Path(tmp)))
                    await seeding.seed(args.products)
                    profiled = await sampling
            else:
                await seeding.seed(args.products)
    return {
        "scenario": f"catalog seed: {args.products:,} products through ImportProducts, "
        f"{BATCH} a call, 3 calls at once",
        **seeding.report(),
        **({"profile": profiled} if profiled else {}),
        "machine": machine(),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("products", type=int, nargs="?", default=3000)
    parser.add_argument("--profile", type=int, default=0, help="seconds of py-spy sampling")
    result = asyncio.run(main(parser.parse_args()))
    print(json.dumps(result, indent=2, ensure_ascii=False))
    print("RESULT " + json.dumps(result, ensure_ascii=False))
