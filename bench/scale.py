"""Scale: the catalog's read paths at 1,000 and at 100,000 products, through the gateway with the
browse cache off, A/B in one run.

Two local stacks run side by side, one per size. Products (names in Polish, Ukrainian and
English, three variants, three channels; see harness/catalog_data.py) are seeded into each
through ImportProducts, 200 a call, several calls at once; the seeding time is reported. After
seeding, the scenario waits until the catalog's outbox has published everything (so the relay
does not share the measurement). Then each case runs on both stacks in turns of SLICE seconds,
ROUNDS times, alternating which size goes first, so load from anything else on the machine
falls on both sizes alike and the ratio of their p95s means something on a shared machine.
Cases: the first page of the product list, a search matching 1 % of products, the same search
misspelt, a category page with facets, page 50 of the list, a product's page, and CreateProduct
over gRPC (writes must not slow down as the catalog grows); with 20 concurrent clients, then
with one (the cost of one request, without the queue 20 clients make on two cores).

Target (issue 26): p95 <= 100 ms for every case at the largest size, and at most 1.5x the p95 of
the smallest. Sizes: OMNI_BENCH_SCALE_SIZES (default "1000,100000"; the first and last are
used)."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import random
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import grpc
from harness import catalog_data as data
from harness.load import Sample, run_clients
from harness.stack import Stack, local_stack, machine
from pymongo import AsyncMongoClient

from omni.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from omni_kit.app import channel
from omni_kit.idempotency import call_metadata

CLIENTS = 20
SLICE = float(os.environ.get("OMNI_BENCH_SCALE_SLICE_SECONDS", "5"))
ROUNDS = int(os.environ.get("OMNI_BENCH_SCALE_ROUNDS", "3"))
SIZES = [int(n) for n in os.environ.get("OMNI_BENCH_SCALE_SIZES", "1000,100000").split(",")]
BATCH = 200
PARALLEL = 3
PAGE = 24
ENV = {
    "OMNI_GATEWAY_BROWSE_CACHE_SECONDS": "0",
    "OMNI_GATEWAY_RATE_LIMIT_PER_MINUTE": "100000000",
    "OMNI_GATEWAY_PARTNER_RATE_LIMIT_PER_MINUTE": "100000000",
    # An import of 200 products is one transaction; on a busy 2-core machine it can take longer
    # than the 10 s a call may spend in the store by default.
    "OMNI_CATALOG_STORE_BUDGET_SECONDS": "60",
}
# A product kind's word is in 1 % of products: (query, misspelt) in each language.
SEARCHES = [
    ("koszula", "koszlua"),
    ("сорочка", "сорчока"),
    ("kettle", "ketle"),
    ("patelnia", "patlenia"),
    ("навушники", "навушнкии"),
    ("backpack", "bakcpack"),
]


Case = Callable[[int], Awaitable[str]]
RETRIED = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.ABORTED)


async def seed(catalog: Any, categories: dict[str, str], start: int, stop: int) -> list[str]:
    """Products start..stop-1; returns a sample of their ids."""
    gate = asyncio.Semaphore(PARALLEL)
    sample: list[str] = []

    async def batch(low: int) -> None:
        async with gate:
            items = [data.item(n, "B", categories) for n in range(low, min(low + BATCH, stop))]
            request = catalog_pb2.ImportProductsRequest(items=items)
            # Keyed, so a batch cut off (a connection closed at its maximum age while the call
            # ran) is asked again without importing anything twice.
            key = call_metadata(f"scale-seed-{low}", "bench")
            for attempt in range(60):
                try:
                    reply = await catalog.ImportProducts(request, metadata=key, timeout=300)
                    break
                except grpc.aio.AioRpcError as error:
                    # ABORTED: the cut-off call is still running on the server; wait for it.
                    if error.code() not in RETRIED or attempt == 59:
                        raise
                    await asyncio.sleep(2)
            sample.extend(p.id for p in reply.products[::37])

    await asyncio.gather(*(batch(low) for low in range(start, stop, BATCH)))
    return sample


async def drained(mongo_uri: str) -> float:
    """Wait until the catalog's outbox has published every event; returns the seconds waited."""
    started = time.monotonic()
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo_uri)
    try:
        outbox = client["omni_catalog"]["outbox"]
        while await outbox.find_one({"sent_at": None}, {"_id": 1}) is not None:
            await asyncio.sleep(2)
    finally:
        await client.close()
    return round(time.monotonic() - started, 1)


def writes(catalog: Any, categories: dict[str, str], made: Iterator[int]) -> Case:
    """CreateProduct over gRPC (the path that slowed from 33/s to 7.5/s as the catalog grew);
    `made` numbers the new products, never twice on one stack."""

    async def create(_: int) -> str:
        item = data.item(next(made), "W", categories).product
        try:
            await catalog.CreateProduct(catalog_pb2.CreateProductRequest(product=item))
        except Exception as error:  # the outcome is what is measured
            return type(error).__name__
        return "OK"

    return create


@dataclass
class Catalog:
    """One stack seeded to one size, and the requests each case sends to it."""

    size: int
    http: aiohttp.ClientSession
    catalog: Any
    categories: dict[str, str]
    product_ids: list[str]
    deep_token: str
    seeding: dict[str, Any]
    made: Iterator[int] = field(default_factory=lambda: itertools.count(10_000_000))

    def cases(self) -> dict[str, Case]:
        products = "/api/v1/catalog/products"
        dept = self.categories["clothing"]

        async def get(path: str, params: dict[str, Any] | None = None) -> str:
            async with self.http.get(path, params=params) as reply:
                body = await reply.read()
                if reply.status == 200 and not json.loads(body).get("items", True):
                    return "200 empty"
                return str(reply.status)

        return {
            "product list, first page": lambda _: get(products, {"page_size": PAGE}),
            "search, 1 % match": lambda w: get(
                products, {"q": SEARCHES[w % len(SEARCHES)][0], "page_size": PAGE}
            ),
            "search, misspelt": lambda w: get(
                products, {"q": SEARCHES[w % len(SEARCHES)][1], "page_size": PAGE}
            ),
            "facets (category page)": lambda _: get(
                products, {"category": dept, "facets": "true", "page_size": PAGE}
            ),
            "deep page (page 50)": lambda _: get(
                products, {"page_size": PAGE, "page_token": self.deep_token}
            ),
            "product detail": lambda _: get(f"{products}/{random.choice(self.product_ids)}"),
            "create product (gRPC)": writes(self.catalog, self.categories, self.made),
        }


async def prepared(stack: Stack, size: int, exit_stack: AsyncExitStack) -> Catalog:
    grpc_channel = channel(stack.grpc["catalog"])
    exit_stack.push_async_callback(grpc_channel.close)
    catalog = catalog_pb2_grpc.CatalogServiceStub(grpc_channel)
    categories = await data.create_categories(catalog)
    http = await exit_stack.enter_async_context(
        aiohttp.ClientSession(
            base_url=stack.base_url,
            connector=aiohttp.TCPConnector(limit=CLIENTS),
            headers={"X-Omni-Channel": "web"},
            timeout=aiohttp.ClientTimeout(total=60),
        )
    )
    print(f"== seeding {size} products", flush=True)
    started = time.monotonic()
    product_ids = await seed(catalog, categories, 0, size)
    seconds = time.monotonic() - started
    waited = await drained(stack.mongo_uri)
    print(f"  seeded {size} in {seconds:.0f} s; outbox drained {waited} s later", flush=True)
    token = ""
    for _ in range(49):
        async with http.get(
            "/api/v1/catalog/products", params={"page_size": PAGE, "page_token": token}
        ) as reply:
            token = (await reply.json())["next_page_token"] or ""
    assert token, "fewer than 50 pages"
    seeding = {
        "seeded": size,
        "seed_seconds": round(seconds, 1),
        "seed_per_second": round(size / seconds, 1),
        "outbox_drain_seconds": waited,
    }
    return Catalog(size, http, catalog, categories, product_ids, token, seeding)


async def interleaved(catalogs: list[Catalog], clients: int) -> dict[str, dict[str, Any]]:
    """Every case on every size in turns of SLICE seconds, ROUNDS times, the order of the sizes
    alternating: whatever else the machine does falls on both sizes alike."""
    results: dict[str, dict[str, Any]] = {str(c.size): {} for c in catalogs}
    names = list(catalogs[0].cases())
    cases = {c.size: c.cases() for c in catalogs}
    for name in names:
        merged = {c.size: Sample() for c in catalogs}
        for target in catalogs:  # warm
            await asyncio.gather(*(cases[target.size][name](w) for w in range(clients)))
        for turn in range(ROUNDS):
            for target in catalogs if turn % 2 == 0 else catalogs[::-1]:
                sample = await run_clients(clients, cases[target.size][name], seconds=SLICE)
                merged[target.size].absorb(sample)
        for size, sample in merged.items():
            results[str(size)][name] = sample.summary()
        line = "; ".join(f"{size}: {merged[size].summary()['p95_ms']} ms" for size in merged)
        print(f"  {name}, {clients} clients, p95 {line}", flush=True)
    return results


async def main() -> dict[str, object]:
    report: dict[str, Any] = {"sizes": {}, "clients": {}}
    small_size, large_size = SIZES[0], SIZES[-1]
    with local_stack(**ENV) as small_stack, local_stack(**ENV) as large_stack:
        async with AsyncExitStack() as exit_stack:
            small = await prepared(small_stack, small_size, exit_stack)
            large = await prepared(large_stack, large_size, exit_stack)
            for c in (small, large):
                report["sizes"][str(c.size)] = c.seeding
            for clients in (CLIENTS, 1):
                report["clients"][str(clients)] = await interleaved([small, large], clients)
    busy, alone = report["clients"][str(CLIENTS)], report["clients"]["1"]
    report["targets"] = {
        name: {
            "p95_ms": busy[str(large_size)][name]["p95_ms"],
            "p95_at_most_100_ms": (busy[str(large_size)][name]["p95_ms"] or 1e9) <= 100,
            "ratio_to_smallest": _ratio(busy, name, small_size, large_size),
            "ratio_to_smallest_one_client": _ratio(alone, name, small_size, large_size),
        }
        for name in busy[str(large_size)]
    }
    return {
        "scenario": f"scale: catalog read paths at {small_size} and {large_size} products, "
        f"{CLIENTS} clients and 1, interleaved",
        **report,
        "target": "p95 <= 100 ms at the largest size and <= 1.5x the smallest size's p95",
        "machine": machine(),
    }


def _ratio(results: dict[str, Any], name: str, small: int, large: int) -> float | None:
    low, high = results[str(small)][name]["p95_ms"], results[str(large)][name]["p95_ms"]
    return round(high / low, 2) if low and high else None


if __name__ == "__main__":
    result = asyncio.run(main())
    print(json.dumps(result, indent=2, ensure_ascii=False))
    print("RESULT " + json.dumps(result, ensure_ascii=False))
