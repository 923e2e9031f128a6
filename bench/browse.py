"""Browse: product list and product detail with availability, 50 concurrent clients through
the gateway. Target on 2 cores with everything on them: >= 1,000 req/s at p99 <= 50 ms."""

from __future__ import annotations

import asyncio
import json
import random

import httpx
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
        limits = httpx.Limits(max_connections=CLIENTS)
        async with httpx.AsyncClient(
            base_url=stack.base_url, limits=limits, headers={"X-Omni-Channel": "web"}, timeout=30
        ) as http:
            warm = await http.get("/api/v1/catalog/products", params={"page_size": 24})
            warm.raise_for_status()
            assert warm.json()["items"], "the seeded products are not listed"

            async def browse(worker: int) -> str:
                if worker % 2:
                    reply = await http.get(
                        "/api/v1/catalog/products",
                        params={"page_size": 24, "attr": "colour:red", "sort": "price_asc"},
                    )
                else:
                    product = random.choice(product_ids)
                    reply = await http.get(f"/api/v1/catalog/products/{product}")
                return str(reply.status_code)

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
