"""Browse: product list and product detail with availability, 50 concurrent clients through
the gateway. Target on 2 cores with everything on them: >= 1,000 req/s at p99 <= 50 ms.

The clients use aiohttp: it costs about 0.3 ms of CPU per request where httpx costs 3.8 ms, and
on two shared cores the load generator must not be what is measured."""

from __future__ import annotations

import asyncio
import json
import random

import aiohttp
from harness.load import run_clients
from harness.shop import seed_products
from harness.stack import local_stack, machine

CLIENTS = 50
SECONDS = 20
PRODUCTS = 200
UNLIMITED = {
    "OMNI_GATEWAY_RATE_LIMIT_PER_MINUTE": "100000000",
    "OMNI_GATEWAY_PARTNER_RATE_LIMIT_PER_MINUTE": "100000000",
}


async def main() -> dict[str, object]:
    with local_stack(**UNLIMITED) as stack:
        product_ids, _, _ = await seed_products(stack.grpc, PRODUCTS, stock_per_location=5)
        async with aiohttp.ClientSession(
            base_url=stack.base_url,
            connector=aiohttp.TCPConnector(limit=CLIENTS),
            headers={"X-Omni-Channel": "web"},
            timeout=aiohttp.ClientTimeout(total=30),
        ) as http:
            async with http.get("/api/v1/catalog/products", params={"page_size": 24}) as warm:
                warm.raise_for_status()
                assert (await warm.json())["items"], "the seeded products are not listed"

            async def browse(worker: int) -> str:
                params: dict[str, str | int]
                if worker % 2:
                    params = {"page_size": 24, "attr": "colour:red", "sort": "price_asc"}
                    path = "/api/v1/catalog/products"
                else:
                    params = {}
                    path = f"/api/v1/catalog/products/{random.choice(product_ids)}"
                async with http.get(path, params=params) as reply:
                    await reply.read()
                    return str(reply.status)

            sample = await run_clients(CLIENTS, browse, seconds=SECONDS)
    summary = sample.summary()
    return {
        "scenario": f"browse: list + detail with availability, {CLIENTS} clients, {SECONDS}s",
        **summary,
        "target": ">= 1000 req/s at p99 <= 50 ms",
        "machine": machine(),
    }


if __name__ == "__main__":
    result = asyncio.run(main())
    print(json.dumps(result, indent=2))
    print("RESULT " + json.dumps(result))
