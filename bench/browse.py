"""Browse: product list and product detail with availability, 50 concurrent clients through
the gateway. Target on 2 cores with everything on them: >= 1,000 req/s at p99 <= 50 ms.

The clients use aiohttp: it costs about 0.3 ms of CPU per request where httpx costs 3.8 ms, and
on two shared cores the load generator must not be what is measured."""

from __future__ import annotations

import argparse
import asyncio
import json
import random
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any, Self

import aiohttp
from harness.load import Sample, run_clients
from harness.shop import seed_products
from harness.stack import Stack, local_stack, machine

CLIENTS = 50
SECONDS = 20
PRODUCTS = 200
UNLIMITED = {
    "OMNI_GATEWAY_RATE_LIMIT_PER_MINUTE": "100000000",
    "OMNI_GATEWAY_PARTNER_RATE_LIMIT_PER_MINUTE": "100000000",
}


# A/B (`make bench ab=REV only=browse`): the working tree's gateway runs two worker processes
# (a revision that predates OMNI_GATEWAY_WORKERS ignores it); `browse_uncached` turns the
# browse cache off on both sides.
AB_ENV = UNLIMITED | {"OMNI_GATEWAY_WORKERS": "2"}
AB_TRACED = False


@dataclass
class BrowseLoad:
    """Shoppers browsing one stack, a slice at a time (an A/B side)."""

    http: aiohttp.ClientSession
    product_ids: list[str]
    clients: int
    sample: Sample = field(default_factory=Sample)

    @classmethod
    async def prepared(cls, stack: Stack, clients: int, exit_stack: AsyncExitStack) -> Self:
        product_ids, _, _ = await seed_products(stack.grpc, PRODUCTS, stock_per_location=5)
        http = await exit_stack.enter_async_context(
            aiohttp.ClientSession(
                base_url=stack.base_url,
                connector=aiohttp.TCPConnector(limit=clients),
                headers={"X-Omni-Channel": "web"},
                timeout=aiohttp.ClientTimeout(total=30),
            )
        )
        async with http.get("/api/v1/catalog/products", params={"page_size": 24}) as warm:
            warm.raise_for_status()
            assert (await warm.json())["items"], "the seeded products are not listed"
        return cls(http, product_ids, clients)

    async def browse(self, worker: int) -> str:
        params: dict[str, str | int]
        if worker % 2:
            params = {"page_size": 24, "attr": "colour:red", "sort": "price_asc"}
            path = "/api/v1/catalog/products"
        else:
            params = {}
            path = f"/api/v1/catalog/products/{random.choice(self.product_ids)}"
        async with self.http.get(path, params=params) as reply:
            await reply.read()
            return str(reply.status)

    async def run_slice(self, seconds: float) -> None:
        self.sample.absorb(await run_clients(self.clients, self.browse, seconds=seconds))

    def reset(self) -> None:
        self.sample = Sample()

    def report(self) -> dict[str, Any]:
        return {"clients": self.clients, **self.sample.summary()}


async def ab_side(stack: Stack, args: argparse.Namespace, exit_stack: AsyncExitStack) -> BrowseLoad:
    return await BrowseLoad.prepared(stack, args.clients, exit_stack)


async def main(**env: str) -> dict[str, object]:
    with local_stack(**UNLIMITED, **env) as stack:
        async with AsyncExitStack() as exit_stack:
            load = await BrowseLoad.prepared(stack, CLIENTS, exit_stack)
            await load.run_slice(SECONDS)
    summary = load.sample.summary()
    return {
        "scenario": f"browse: list + detail with availability, {CLIENTS} clients, {SECONDS}s"
        + (", browse cache off" if env.get("OMNI_GATEWAY_BROWSE_CACHE_SECONDS") == "0" else ""),
        **summary,
        "target": ">= 1000 req/s at p99 <= 50 ms",
        "machine": machine(),
    }


if __name__ == "__main__":
    result = asyncio.run(main())
    print(json.dumps(result, indent=2))
    print("RESULT " + json.dumps(result))
