"""Scale: the catalog's read paths at 1,000 and at 100,000 products, through the gateway with the
browse cache off, 20 concurrent clients per case.

Products (names in Polish, Ukrainian and English, three variants, three channels; see
harness/catalog_data.py) are seeded through ImportProducts, 200 a call, several calls at once;
the seeding time is reported. After seeding, the scenario waits until the catalog's outbox has
published everything (so the relay does not share the measurement), then measures each case for
SECONDS: the first page of the product list, a search matching 1 % of products, the same search
misspelt, a category page with facets, page 50 of the list, and a product's page; then
CreateProduct over gRPC (writes must not slow down as the catalog grows).

Target (issue 26): p95 <= 100 ms for every case at the largest size, and at most 1.5x the p95 of
the smallest. Sizes: OMNI_BENCH_SCALE_SIZES (default "1000,100000")."""

from __future__ import annotations

import asyncio
import json
import os
import random
import time
from typing import Any

import aiohttp
from harness import catalog_data as data
from harness.load import run_clients
from harness.stack import local_stack, machine
from pymongo import AsyncMongoClient

from omni.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from omni_kit.app import channel

CLIENTS = 20
SECONDS = float(os.environ.get("OMNI_BENCH_SCALE_SECONDS", "15"))
SIZES = [int(n) for n in os.environ.get("OMNI_BENCH_SCALE_SIZES", "1000,100000").split(",")]
BATCH = 200
PARALLEL = 3
PAGE = 24
ENV = {
    "OMNI_GATEWAY_BROWSE_CACHE_SECONDS": "0",
    "OMNI_GATEWAY_RATE_LIMIT_PER_MINUTE": "100000000",
    "OMNI_GATEWAY_PARTNER_RATE_LIMIT_PER_MINUTE": "100000000",
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


async def seed(catalog: Any, categories: dict[str, str], start: int, stop: int) -> list[str]:
    """Products start..stop-1; returns a sample of their ids."""
    gate = asyncio.Semaphore(PARALLEL)
    sample: list[str] = []

    async def batch(low: int) -> None:
        async with gate:
            items = [data.item(n, "B", categories) for n in range(low, min(low + BATCH, stop))]
            reply = await catalog.ImportProducts(
                catalog_pb2.ImportProductsRequest(items=items), timeout=300
            )
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


async def measure_writes(catalog: Any, categories: dict[str, str], size: int) -> dict:
    """CreateProduct over gRPC (the path that slowed from 33/s to 7.5/s as the catalog grew)."""
    made = iter(range(10_000_000 + size * 10, 10_000_000 + size * 10 + 10**6))

    async def create(_: int) -> str:
        item = data.item(next(made), "W", categories).product
        try:
            await catalog.CreateProduct(catalog_pb2.CreateProductRequest(product=item))
        except Exception as error:  # the outcome is what is measured
            return type(error).__name__
        return "OK"

    sample = await run_clients(CLIENTS, create, seconds=SECONDS)
    result = sample.summary()
    print(f"  create product (gRPC): {result}", flush=True)
    return result


async def measure(http: aiohttp.ClientSession, product_ids: list[str], dept: str) -> dict:
    async def get(path: str, params: dict[str, Any] | None = None) -> str:
        async with http.get(path, params=params) as reply:
            body = await reply.read()
            if reply.status == 200 and not json.loads(body).get("items", True):
                return "200 empty"
            return str(reply.status)

    products = "/api/v1/catalog/products"
    token = ""
    for _ in range(49):
        async with http.get(products, params={"page_size": PAGE, "page_token": token}) as reply:
            token = (await reply.json())["next_page_token"] or ""
    assert token, "fewer than 50 pages"
    cases = {
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
        "deep page (page 50)": lambda _: get(products, {"page_size": PAGE, "page_token": token}),
        "product detail": lambda _: get(f"{products}/{random.choice(product_ids)}"),
    }
    results = {}
    for name, case in cases.items():
        await asyncio.gather(*(case(w) for w in range(CLIENTS)))  # warm
        sample = await run_clients(CLIENTS, case, seconds=SECONDS)
        results[name] = sample.summary()
        print(f"  {name}: {results[name]}", flush=True)
    return results


async def main() -> dict[str, object]:
    report: dict[str, Any] = {"sizes": {}}
    with local_stack(**ENV) as stack:
        grpc_channel = channel(stack.grpc["catalog"])
        catalog = catalog_pb2_grpc.CatalogServiceStub(grpc_channel)
        categories: dict[str, str] = {}
        for slug, parent in data.category_tree():
            made = await catalog.CreateCategory(
                catalog_pb2.CreateCategoryRequest(
                    category=catalog_pb2.Category(
                        name=slug, slug=slug, parent_id=categories.get(parent or "", "")
                    )
                )
            )
            categories[slug] = made.category.id
        async with aiohttp.ClientSession(
            base_url=stack.base_url,
            connector=aiohttp.TCPConnector(limit=CLIENTS),
            headers={"X-Omni-Channel": "web"},
            timeout=aiohttp.ClientTimeout(total=60),
        ) as http:
            seeded = 0
            product_ids: list[str] = []
            for size in SIZES:
                print(f"== {size} products", flush=True)
                started = time.monotonic()
                product_ids += await seed(catalog, categories, seeded, size)
                seconds = time.monotonic() - started
                added, seeded = size - seeded, size
                waited = await drained(stack.mongo_uri)
                print(f"  seeded {added} in {seconds:.0f} s; outbox drained {waited} s later")
                report["sizes"][str(size)] = {
                    "seeded": added,
                    "seed_seconds": round(seconds, 1),
                    "seed_per_second": round(added / seconds, 1),
                    "outbox_drain_seconds": waited,
                    "cases": await measure(http, product_ids, categories["clothing"]),
                    "writes": await measure_writes(catalog, categories, size),
                }
        await grpc_channel.close()
    sizes = [str(size) for size in SIZES]
    small, large = report["sizes"][sizes[0]]["cases"], report["sizes"][sizes[-1]]["cases"]
    report["targets"] = {
        name: {
            "p95_ms": large[name]["p95_ms"],
            "p95_at_most_100_ms": (large[name]["p95_ms"] or 1e9) <= 100,
            "within_1_5x_of_smallest": (large[name]["p95_ms"] or 1e9)
            <= 1.5 * (small[name]["p95_ms"] or 0),
        }
        for name in large
    }
    return {
        "scenario": f"scale: catalog read paths at {', '.join(sizes)} products, {CLIENTS} clients",
        **report,
        "target": "p95 <= 100 ms at the largest size and <= 1.5x the smallest size's p95",
        "machine": machine(),
    }


if __name__ == "__main__":
    result = asyncio.run(main())
    print(json.dumps(result, indent=2, ensure_ascii=False))
    print("RESULT " + json.dumps(result, ensure_ascii=False))
