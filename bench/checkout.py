"""Checkout through the gateway on a locally started stack.

1. Steady load: 50 concurrent customers, each adding to its cart, applying a voucher and
   placing an order, back to back: throughput and p50/p99 of the whole step. The channels are
   taxed (PL, 23 %, prices include tax) and the voucher takes 10 % off every order, so each
   order has tax lines and a discount; an order placed without either stops the run.
2. Flash sale (--flash): 1,000 concurrent orders from three channels (web, app, a marketplace)
   for 100 units: how many are confirmed, oversold units, duplicate orders, and whether every
   refusal was a clean 409 (imports included: an import stock cannot cover is refused, never
   recorded and cancelled).

Run: `uv run python bench/checkout.py [--seconds 20] [--no-flash]`. Prints the figures and, last,
`RESULT <json>`. It never asserts a speed."""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
from collections.abc import Awaitable, Callable, Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any, Self

import httpx
from harness.load import Sample, run_clients, run_once_each
from harness.shop import ADDRESS, APP, WEB, list_on, register, seed_products
from harness.stack import ADMIN, Stack, local_stack, machine

from omni.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from omni.common.v1 import common_pb2
from omni.inventory.v1 import inventory_pb2, inventory_pb2_grpc
from omni_kit.app import channel

CHANNELS = ("web", "app")
TAX = ("PL", 2300)
VOUCHER = {
    "code": "BENCH10",
    "kind": "percentage",
    "percentage_basis_points": 1000,
    "target": "order",
    "usage_limit": 10_000_000,
}


class UntaxedOrder(RuntimeError):
    """An order the benchmark placed came back without tax lines or without its discount."""


async def staff_headers(http: httpx.AsyncClient) -> dict[str, str]:
    admin = await http.post(
        "/staff/v1/auth/token", json={"username": ADMIN[0], "password": ADMIN[1]}
    )
    admin.raise_for_status()
    return {"Authorization": f"Bearer {admin.json()['access_token']}"}


async def tax_and_voucher(http: httpx.AsyncClient) -> str:
    """The checkout channels taxed in PL at 23 % (prices include tax) and a voucher every
    checkout applies; returns its code."""
    staff = await staff_headers(http)
    country, rate = TAX
    made = await http.post(
        "/staff/v1/tax/rates",
        json={
            "country_code": country,
            "tax_class": "standard",
            "rate_basis_points": rate,
            "valid_from": "2020-01-01T00:00:00Z",
        },
        headers=staff,
    )
    made.raise_for_status()
    for name in CHANNELS:
        taxed = await http.patch(
            f"/staff/v1/tax/channels/{name}",
            json={"country_code": country, "prices_include_tax": True},
            headers=staff,
        )
        taxed.raise_for_status()
    voucher = await http.post("/staff/v1/promotions/vouchers", json=VOUCHER, headers=staff)
    voucher.raise_for_status()
    return str(voucher.json()["code"])


async def seed_flash(stack: Stack, sku: str, units: int, partner_id: str) -> str:
    """One product on web, app and the partner's marketplace, `units` of it in one warehouse."""
    catalog_ch = channel(stack.grpc["catalog"], default_timeout=30)
    inventory_ch = channel(stack.grpc["inventory"], default_timeout=30)
    catalog = catalog_pb2_grpc.CatalogServiceStub(catalog_ch)
    inventory = inventory_pb2_grpc.InventoryServiceStub(inventory_ch)
    product = catalog_pb2.Product(
        slug=sku.lower(),
        status=catalog_pb2.PRODUCT_STATUS_ACTIVE,
        default_language="en",
        texts={"en": catalog_pb2.LocalizedText(name=sku)},
        variants=[catalog_pb2.Variant(sku=sku)],
    )
    created = await catalog.CreateProduct(catalog_pb2.CreateProductRequest(product=product))
    market = common_pb2.ChannelRef(
        channel=common_pb2.SALES_CHANNEL_MARKETPLACE, partner_id=partner_id
    )
    await list_on(catalog, created.product.id, [WEB, APP, market], 1500)
    location = await inventory.CreateStockLocation(
        inventory_pb2.CreateStockLocationRequest(
            location=inventory_pb2.StockLocation(
                code=f"WH-{sku}",
                name="Warehouse",
                kind=inventory_pb2.LOCATION_KIND_WAREHOUSE,
                geo=common_pb2.GeoPoint(lat=52.5, lng=13.4),
                capabilities=inventory_pb2.LocationCapabilities(ships=True),
            )
        )
    )
    await inventory.ReceiveStock(
        inventory_pb2.ReceiveStockRequest(
            location_id=location.location.id,
            lines=[inventory_pb2.StockQuantity(sku=sku, quantity=units)],
        )
    )
    await catalog_ch.close()
    await inventory_ch.close()
    return location.location.id


async def customers(http: httpx.AsyncClient, count: int, prefix: str) -> list[dict[str, str]]:
    sessions = []
    for start in range(0, count, 50):  # registration hashes passwords: not part of the figures
        batch = range(start, min(count, start + 50))
        emails = [f"{prefix}{n}@bench.example" for n in batch]
        sessions.extend(await asyncio.gather(*(register(http, email) for email in emails)))
    return sessions


async def buy(
    http: httpx.AsyncClient,
    headers: dict[str, str],
    sku: str,
    key: str,
    copies: int = 1,
    voucher: str = "",
) -> str:
    """Add one unit to the cart (and the voucher, if any) and check out; the outcome label is
    what the customer got."""
    try:
        return await _buy(http, headers, sku, key, copies, voucher)
    except httpx.TransportError as error:
        return f"transport {type(error).__name__}"


async def _buy(
    http: httpx.AsyncClient,
    headers: dict[str, str],
    sku: str,
    key: str,
    copies: int,
    voucher: str,
) -> str:
    cart = await http.get("/api/v1/carts/current", headers=headers)
    if cart.status_code != 200:
        return f"cart {cart.status_code}"
    added = await http.post(
        f"/api/v1/carts/{cart.json()['id']}/lines",
        json={"sku": sku, "quantity": 1},
        headers=headers,
    )
    if added.status_code != 201:
        return f"add {added.status_code} {added.json().get('code', '')}".strip()
    if voucher:
        applied = await http.post(
            f"/api/v1/carts/{cart.json()['id']}/vouchers", json={"code": voucher}, headers=headers
        )
        if applied.status_code != 200:
            return f"voucher {applied.status_code} {applied.json().get('code', '')}".strip()
    body = {
        "cart_id": cart.json()["id"],
        "delivery": {"mode": "home_delivery", "address": ADDRESS},
        "payment_method": "online_card",
        "payment_token": "tok_visa",
    }
    # copies > 1: the same checkout sent several times at once (a double click, a retry).
    replies = await asyncio.gather(
        *(
            http.post("/api/v1/orders", json=body, headers=headers | {"Idempotency-Key": key})
            for _ in range(copies)
        )
    )
    placed = replies[0]
    # 202: taken, its saga still running (the label is the order's status, "pending").
    if placed.status_code not in (201, 202):
        return f"order {placed.status_code} {placed.json().get('code', '')}".strip()
    order = placed.json()
    if voucher:
        require_taxed(order, voucher)
    return str(order["status"])


def require_taxed(order: dict[str, Any], voucher: str) -> None:
    totals = order["totals"]
    taxed = totals["tax"]["amount_minor"] > 0 and totals["tax_lines"]
    if (
        not taxed
        or totals["discount"]["amount_minor"] <= 0
        or voucher not in order["voucher_codes"]
    ):
        raise UntaxedOrder(f"order {order['id']} has no tax or no {voucher} discount: {totals}")


@dataclass
class CheckoutLoad:
    """Customers checking out back to back on one stack, a slice at a time (an A/B side)."""

    http: httpx.AsyncClient
    sessions: list[dict[str, str]]
    skus: list[str]
    voucher: str
    sample: Sample = field(default_factory=Sample)
    made: Iterator[int] = field(default_factory=itertools.count)

    @classmethod
    async def prepared(
        cls, stack: Stack, clients: int, exit_stack: AsyncExitStack, *, taxed: bool = True
    ) -> Self:
        """`taxed`: the channels taxed and a voucher on every checkout (False: neither, for
        checkout_tax_cost.py)."""
        # Ten products: inventory serialises reservations per SKU, one hot SKU is the flash sale.
        _, skus, _ = await seed_products(stack.grpc, 10, stock_per_location=100_000)
        limits = httpx.Limits(max_connections=clients * 2)
        http = await exit_stack.enter_async_context(
            httpx.AsyncClient(base_url=stack.base_url, timeout=60, limits=limits)
        )
        voucher = await tax_and_voucher(http) if taxed else ""
        return cls(http, await customers(http, clients, "steady"), skus, voucher)

    async def operation(self, worker: int) -> str:
        key = f"steady-{worker}-{next(self.made)}"
        headers = self.sessions[worker] | {"X-Omni-Channel": CHANNELS[worker % 2]}
        sku = self.skus[worker % len(self.skus)]
        return await buy(self.http, headers, sku, key, voucher=self.voucher)

    async def run_slice(self, seconds: float) -> None:
        self.sample.absorb(await run_clients(len(self.sessions), self.operation, seconds=seconds))

    def reset(self) -> None:
        self.sample = Sample()

    def report(self) -> dict[str, Any]:
        return {"clients": len(self.sessions), **self.sample.summary()}


async def steady(stack: Stack, seconds: float, clients: int) -> dict[str, Any]:
    async with AsyncExitStack() as exit_stack:
        load = await CheckoutLoad.prepared(stack, clients, exit_stack)
        await load.run_slice(seconds)
    return {**load.report(), "seconds": seconds}


AB_ENV = {
    "OMNI_GATEWAY_RATE_LIMIT_PER_MINUTE": "1000000",
    "OMNI_GATEWAY_PARTNER_RATE_LIMIT_PER_MINUTE": "1000000",
    # Every customer registers (and staff sign in) from one address before the load.
    "OMNI_GATEWAY_AUTH_RATE_LIMIT_PER_MINUTE": "1000000",
    "OMNI_INVENTORY_HOLD_CAP_UNITS": "1000000",
    # Measure slow answers instead of cutting them off at the default 5 s.
    "OMNI_GATEWAY_DOWNSTREAM_TIMEOUT_SECONDS": "60",
    "OMNI_ORDER_DOWNSTREAM_TIMEOUT_SECONDS": "60",
}
AB_TRACED = False


async def ab_side(
    stack: Stack, args: argparse.Namespace, exit_stack: AsyncExitStack
) -> CheckoutLoad:
    return await CheckoutLoad.prepared(stack, args.clients, exit_stack)


async def flash_sale(stack: Stack, orders: int, units: int) -> dict[str, object]:
    async with httpx.AsyncClient(
        base_url=stack.base_url, timeout=120, limits=httpx.Limits(max_connections=200)
    ) as http:
        staff = await staff_headers(http)
        partner = (
            await http.post("/staff/v1/partners", json={"name": "flash"}, headers=staff)
        ).json()
        key = await http.post(
            f"/staff/v1/partners/{partner['id']}/api-keys",
            json={"scopes": ["orders:write", "orders:read"]},
            headers=staff,
        )
        api_key = {"X-Api-Key": key.json()["api_key"]}
        warehouse = await seed_flash(stack, "FLASH", units, partner["id"])
        per_channel = orders // 3
        sessions = await customers(http, orders - per_channel, "flash")

        def customer_task(number: int) -> Callable[[], Awaitable[str]]:
            headers = sessions[number] | {"X-Omni-Channel": CHANNELS[number % 2]}
            copies = 2 if number % 10 == 0 else 1
            return lambda: buy(http, headers, "FLASH", f"flash-{number}", copies)

        def partner_task(number: int) -> Callable[[], Awaitable[str]]:
            async def run() -> str:
                body = {
                    "partner_order_id": f"F-{number}",
                    "lines": [
                        {
                            "sku": "FLASH",
                            "quantity": 1,
                            "unit_price": {"amount_minor": 1500, "currency": "EUR"},
                        }
                    ],
                    "delivery": {"mode": "home_delivery", "address": ADDRESS},
                }
                reply = await http.post("/partner/v1/orders", json=body, headers=api_key)
                if reply.status_code not in (200, 201):
                    return f"import {reply.status_code} {reply.json().get('code', '')}".strip()
                return "import " + reply.json()["status"]

            return run

        # Every tenth order is sent twice at once (same key, same partner order id): one order.
        tasks = [customer_task(n) for n in range(len(sessions))]
        tasks += [partner_task(n) for n in range(per_channel)]
        tasks += [partner_task(n) for n in range(0, per_channel, 10)]
        sample = await run_once_each(tasks)

    inventory_ch = channel(stack.grpc["inventory"], default_timeout=30)
    inventory = inventory_pb2_grpc.InventoryServiceStub(inventory_ch)
    level = (
        await inventory.ListStockLevels(
            inventory_pb2.ListStockLevelsRequest(skus=["FLASH"], location_ids=[warehouse])
        )
    ).stock_levels[0]
    await inventory_ch.close()
    from pymongo import AsyncMongoClient

    mongo: AsyncMongoClient = AsyncMongoClient(stack.mongo_uri, directConnection=True)
    confirmed = (
        await mongo["omni_order"]["orders"]
        .find(
            {"status": "ORDER_STATUS_CONFIRMED", "lines.sku": "FLASH"},
            {"cart_id": 1, "partner_key": 1, "sales": 1},
        )
        .to_list(None)
    )
    await mongo.close()
    # One order per cart (checkouts) and per partner order (imports).
    keys = [doc.get("cart_id") or doc.get("partner_key") for doc in confirmed]
    sold = sum(doc["sales"]["units"] for doc in confirmed)
    return {
        "orders_sent": len(tasks),
        "distinct_orders": orders,
        "units": units,
        "confirmed": len(confirmed),
        "units_sold": sold,
        "oversold": max(0, sold - units),
        "duplicate_orders": len(keys) - len(set(keys)),
        "reserved_after": level.reserved,
        "available_after": level.available,
        **refusals(sample.outcomes),
        **sample.summary(),
    }


def refusals(outcomes: dict[str, int]) -> dict[str, int]:
    """Orders that were not taken: clean 409s (at add-to-cart, checkout or import) and anything
    else that ended without an order (a cancelled import, a 5xx, a dropped connection)."""
    taken = ("confirmed", "pending", "import confirmed", "import pending")
    clean = {label: n for label, n in outcomes.items() if label.split(" ")[1:2] == ["409"]}
    return {
        "refused_409": sum(clean.values()),
        "imports_refused_409": sum(n for label, n in clean.items() if label.startswith("import")),
        "refused_otherwise": sum(
            n for label, n in outcomes.items() if label not in clean and label not in taken
        ),
    }


async def main(args: argparse.Namespace) -> dict[str, object]:
    result: dict[str, object] = {"machine": machine()}
    with local_stack(**AB_ENV) as stack:
        result["checkout"] = await steady(stack, args.seconds, args.clients)
        print(json.dumps(result["checkout"], indent=2), flush=True)
        if args.flash:
            result["flash_sale"] = await flash_sale(stack, args.orders, args.units)
            print(json.dumps(result["flash_sale"], indent=2), flush=True)
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--flash", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--units", type=int, default=100)
    outcome = asyncio.run(main(parser.parse_args()))
    print("RESULT " + json.dumps(outcome))
