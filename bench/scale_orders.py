# ruff: noqa: RUF001 - Cyrillic names are part of the data
"""Orders and customers at retail scale: the reads staff wait for, one request at a time, A/B in
one run.

Two local stacks run side by side. The order and customer databases of each are seeded
directly: SMALL (default 1,000 orders, 1,000 profiles, a 200-entry timeline) and LARGE (default
100,000 orders over a year in five channels, 50,000 customer profiles with names in Polish,
Ukrainian and English, two timeline entries each and one customer with 5,000). Then each case
sends REPEAT sequential requests over gRPC to each stack in turns (medians and p95): the order
list (first page, by channel, later pages), a customer's orders, the 30-day sales report, staff
search by name, the long timeline (first and later pages) and the 360 view's three reads; and
two writes: a checkout (cart, line, order placed) and a staff note on the long timeline. Sizes:
OMNI_BENCH_SCALE_SMALL and OMNI_BENCH_SCALE_LARGE as "orders/profiles/timeline".

The documents are built by the code under test (its own document functions when it has them),
so the same script measures the code before and after a change."""

from __future__ import annotations

import asyncio
import json
import os
import random
import statistics
import time
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from harness.shop import seed_products
from harness.stack import Stack, local_stack, machine
from pymongo import AsyncMongoClient

from omni.common.v1 import common_pb2
from omni.customer.v1 import customer_pb2 as C
from omni.customer.v1 import customer_pb2_grpc
from omni.order.v1 import order_pb2 as P
from omni.order.v1 import order_pb2_grpc
from omni_kit.app import channel
from omni_kit.idempotency import call_metadata
from omni_kit.ids import new_id
from omni_kit.protos import to_document, to_timestamp
from omni_order.store.orders import helper_fields


@dataclass(frozen=True)
class Size:
    orders: int
    profiles: int
    timeline: int  # entries of the one customer with a long history

    @classmethod
    def parse(cls, text: str) -> Size:
        orders, profiles, timeline = (int(part) for part in text.split("/"))
        return cls(orders, profiles, timeline)

    def __str__(self) -> str:
        return f"{self.orders}/{self.profiles}/{self.timeline}"


SMALL = Size.parse(os.environ.get("OMNI_BENCH_SCALE_SMALL", "1000/1000/200"))
LARGE = Size.parse(os.environ.get("OMNI_BENCH_SCALE_LARGE", "100000/50000/5000"))
REPEAT = int(os.environ.get("REPEAT", "15"))
NOW = datetime.now(UTC).replace(microsecond=0)
GIVEN = ["Anna", "Andrzej", "Zofia", "Żaneta", "Piotr", "John", "Mary", "Олена", "Тарас", "Андрій"]
FAMILY = ["Kowalska", "Nowak", "Wiśniewski", "Smith", "Brown", "Шевченко", "Коваленко", "Łukasik"]
CHANNELS = [
    common_pb2.SALES_CHANNEL_WEB,
    common_pb2.SALES_CHANNEL_APP,
    common_pb2.SALES_CHANNEL_POS,
    common_pb2.SALES_CHANNEL_MARKETPLACE,
    common_pb2.SALES_CHANNEL_PHONE,
]
STATUSES = [P.ORDER_STATUS_CONFIRMED, P.ORDER_STATUS_DELIVERED, P.ORDER_STATUS_CANCELLED]
STORES = ["loc_mitte", "loc_xberg", "loc_praga", "loc_lviv"]
WEB = common_pb2.ChannelRef(channel=common_pb2.SALES_CHANNEL_WEB)
ADDRESS = common_pb2.Address(
    name="Anna", lines=["Invalidenstr. 1"], city="Berlin", postal_code="10115", country_code="DE"
)


def order_document() -> Callable[[P.Order], dict[str, Any]]:
    zones = ("UTC", "Europe/Warsaw", "Europe/Kyiv")
    try:
        from omni_order.domain.orders import Order
        from omni_order.messages import from_message
        from omni_order.store.orders import document_of

        return lambda order: document_of(from_message(order, Order), zones)
    except ImportError:  # the code before the order service's own domain types
        pass
    try:
        from omni_order.store.orders import document_of

        return lambda order: document_of(order, zones)  # type: ignore[arg-type]
    except ImportError:  # the code before per-day sales totals
        from omni_order.store.documents import versioned_document  # type: ignore[attr-defined]

        return lambda order: versioned_document(order) | helper_fields(order)  # type: ignore[arg-type]


def profile_document() -> Callable[[C.Profile], dict[str, Any]]:
    try:
        from omni_customer.store.profiles import with_search

        return lambda profile: with_search(to_document(profile))
    except ImportError:  # the code before search words
        return to_document


def sales_rows(documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The per-day totals of the seeded orders (when the code keeps them)."""
    try:
        from omni_order.store.sales import changes
    except ImportError:
        return []
    rows: dict[str, dict[str, Any]] = {}
    for document in documents:
        for key, change in changes(None, document.get("sales_counted")).items():
            row = rows.setdefault(key, {"_id": key, **change["key"]})
            for amount, value in change["inc"].items():
                row[amount] = row.get(amount, 0) + value
    return list(rows.values())


def an_order(rng: random.Random, index: int) -> P.Order:
    placed = NOW - timedelta(seconds=rng.randrange(365 * 86400))
    channel_ref = common_pb2.ChannelRef(channel=rng.choice(CHANNELS))
    if channel_ref.channel == common_pb2.SALES_CHANNEL_POS:
        channel_ref.store_id = rng.choice(STORES)
    quantity = rng.randrange(1, 4)
    return P.Order(
        id=new_id("ord"),
        number=f"{placed:%y%m%d}-{index:06d}",
        version=3,
        status=rng.choice(STATUSES),
        customer_id=f"cus_bench{index % 4000}",
        channel=channel_ref,
        delivery=P.Delivery(mode=common_pb2.DELIVERY_MODE_HOME_DELIVERY),
        lines=[
            P.OrderLine(
                line_id="l1",
                sku=f"SKU-{rng.randrange(2000)}",
                quantity=quantity,
                unit_price=common_pb2.Money(amount_minor=1999, currency_code="EUR"),
            )
        ],
        totals=P.OrderTotals(
            total=common_pb2.Money(amount_minor=1999 * quantity, currency_code="EUR")
        ),
        placed_at=to_timestamp(placed),
    )


def an_entry(rng: random.Random, profile_id: str) -> dict[str, Any]:
    entry = C.TimelineEntry(
        id=new_id("tl"),
        profile_id=profile_id,
        type=rng.choice([C.TIMELINE_ENTRY_TYPE_ORDER, C.TIMELINE_ENTRY_TYPE_NOTIFICATION]),
        channel=common_pb2.ChannelRef(channel=rng.choice(CHANNELS)),
        occurred_at=to_timestamp(NOW - timedelta(seconds=rng.randrange(730 * 86400))),
        summary="order placed",
    )
    return {**to_document(entry), "merges": []}


async def seed(mongo_uri: str, size: Size) -> dict[str, Any]:
    rng = random.Random(26)
    client: AsyncMongoClient = AsyncMongoClient(mongo_uri, tz_aware=True)
    make_order, make_profile = order_document(), profile_document()
    orders = [make_order(an_order(rng, index)) for index in range(size.orders)]
    for start in range(0, len(orders), 2000):
        await client.omni_order.orders.insert_many(orders[start : start + 2000])
    rows = sales_rows(orders)
    if rows:
        await client.omni_order.sales_days.insert_many(rows)
    profiles, entries = [], []
    for index in range(size.profiles):
        given, family = rng.choice(GIVEN), rng.choice(FAMILY)
        profile = C.Profile(
            id=new_id("cus"),
            version=1,
            status=C.PROFILE_STATUS_ACTIVE,
            display_name=f"{given} {family}",
            given_name=given,
            family_name=family,
            identities=[C.Identity(kind=C.IDENTITY_KIND_EMAIL, value=f"p{index}@example.com")],
        )
        profiles.append(make_profile(profile))
        entries += [an_entry(rng, profile.id) for _ in range(2)]
    heavy = profiles[0]["_id"]
    entries += [an_entry(rng, heavy) for _ in range(size.timeline)]
    for start in range(0, len(profiles), 2000):
        await client.omni_customer.profiles.insert_many(profiles[start : start + 2000])
    for start in range(0, len(entries), 2000):
        await client.omni_customer.timeline.insert_many(entries[start : start + 2000])
    await client.close()
    return {"heavy": heavy, "customer": "cus_bench7"}


Call = Callable[[], Awaitable[Any]]


async def measure(name: str, calls: dict[Size, Call]) -> dict[str, dict[str, float]]:
    """REPEAT requests on each size, one at a time, alternating between the sizes (the order
    swapped every turn), so load from anything else on the machine falls on both alike."""
    took: dict[Size, list[float]] = {size: [] for size in calls}
    for call in calls.values():
        await call()  # warm
    for turn in range(REPEAT):
        for size, call in list(calls.items())[:: 1 if turn % 2 == 0 else -1]:
            started = time.perf_counter()
            await call()
            took[size].append((time.perf_counter() - started) * 1000)
    results = {}
    for size, times in took.items():
        times.sort()
        results[str(size)] = {
            "median_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[max(0, round(0.95 * len(times)) - 1)], 1),
        }
    print(
        f"{name:40} "
        + "  ".join(
            f"{size}: {r['median_ms']:7.1f} ({r['p95_ms']:7.1f})" for size, r in results.items()
        ),
        flush=True,
    )
    return results


async def cases_for(stack: Stack, size: Size, exit_stack: AsyncExitStack) -> dict[str, Call]:
    """Seed one stack to `size` and return each case's request against it."""
    started = time.monotonic()
    seeded = await seed(stack.mongo_uri.rstrip("/") + "/?directConnection=true", size)
    seconds = round(time.monotonic() - started, 1)
    print(f"seeded {size} (orders/profiles/long timeline) in {seconds} s", flush=True)
    order_ch = channel(stack.grpc["order"], default_timeout=60)
    customer_ch = channel(stack.grpc["customer"], default_timeout=60)
    exit_stack.push_async_callback(order_ch.close)
    exit_stack.push_async_callback(customer_ch.close)
    orders = order_pb2_grpc.OrderServiceStub(order_ch)
    customers = customer_pb2_grpc.CustomerServiceStub(customer_ch)
    web = common_pb2.SALES_CHANNEL_WEB
    first = await orders.ListOrders(P.ListOrdersRequest(page_size=50))
    by_channel = await orders.ListOrders(P.ListOrdersRequest(page_size=50, channel=web))
    mine = await orders.ListOrders(P.ListOrdersRequest(page_size=2, customer_id=seeded["customer"]))
    feed = await customers.ListTimeline(
        C.ListTimelineRequest(profile_id=seeded["heavy"], page_size=50)
    )
    month = common_pb2.TimeRange(
        start_time=to_timestamp(NOW - timedelta(days=30)), end_time=to_timestamp(NOW)
    )
    cases: dict[str, Call] = {
        "order list, first page": lambda: orders.ListOrders(P.ListOrdersRequest(page_size=50)),
        "order list, page 2": lambda: orders.ListOrders(
            P.ListOrdersRequest(page_size=50, page_token=first.next_page_token)
        ),
        "order list by channel, first page": lambda: orders.ListOrders(
            P.ListOrdersRequest(page_size=50, channel=web)
        ),
        "order list by channel, page 2": lambda: orders.ListOrders(
            P.ListOrdersRequest(page_size=50, channel=web, page_token=by_channel.next_page_token)
        ),
        "a customer's orders, page 2": lambda: orders.ListOrders(
            P.ListOrdersRequest(
                page_size=2, customer_id=seeded["customer"], page_token=mine.next_page_token
            )
        ),
        "sales report, 30 days": lambda: orders.GetSalesReport(
            P.GetSalesReportRequest(time_range=month, time_zone="UTC")
        ),
        "customer search by name": lambda: customers.FindProfiles(
            C.FindProfilesRequest(query="kowal", page_size=50)
        ),
        "long timeline, first page": lambda: customers.ListTimeline(
            C.ListTimelineRequest(profile_id=seeded["heavy"], page_size=50)
        ),
        "long timeline, page 2": lambda: customers.ListTimeline(
            C.ListTimelineRequest(
                profile_id=seeded["heavy"], page_size=50, page_token=feed.next_page_token
            )
        ),
    }

    async def view_360() -> None:
        await customers.GetProfile(C.GetProfileRequest(profile_id=seeded["heavy"]))
        await customers.ListTimeline(
            C.ListTimelineRequest(profile_id=seeded["heavy"], page_size=20)
        )
        await orders.ListOrders(P.ListOrdersRequest(customer_id=seeded["heavy"], page_size=20))

    cases["360 view (profile, timeline, orders)"] = view_360

    # Writes at this size: a checkout (a new customer's cart, a line, the order placed) and a
    # staff note on the long timeline.
    _, skus, _ = await seed_products(stack.grpc, 1, stock_per_location=100_000)
    made = iter(range(1_000_000))

    async def checkout() -> None:
        customer = f"cus_write{next(made)}"
        cart = (
            await orders.GetOrCreateCart(
                P.GetOrCreateCartRequest(customer_id=customer, channel=WEB)
            )
        ).cart
        await orders.AddCartLine(
            P.AddCartLineRequest(cart_id=cart.id, sku=skus[0], quantity=1, channel=WEB),
            metadata=call_metadata(new_id("key"), customer),
        )
        placed = await orders.PlaceOrder(
            P.PlaceOrderRequest(
                cart_id=cart.id,
                delivery=P.DeliveryChoice(
                    mode=common_pb2.DELIVERY_MODE_HOME_DELIVERY, address=ADDRESS
                ),
                payment_method=P.PAYMENT_METHOD_ONLINE_CARD,
                payment_token="tok_visa",
                channel=WEB,
            ),
            metadata=call_metadata(new_id("key"), customer),
        )
        assert placed.order.status == P.ORDER_STATUS_CONFIRMED, placed.order.status

    async def note() -> None:
        await customers.AddTimelineEntry(
            C.AddTimelineEntryRequest(
                entry=C.TimelineEntry(
                    profile_id=seeded["heavy"],
                    type=C.TIMELINE_ENTRY_TYPE_CALL_NOTE,
                    channel=common_pb2.ChannelRef(channel=common_pb2.SALES_CHANNEL_PHONE),
                    actor=common_pb2.Actor(kind=common_pb2.ACTOR_KIND_STAFF, id="stf_bench"),
                    summary="called about the delivery",
                ),
            ),
            metadata=call_metadata(new_id("key"), "stf_bench"),
        )

    cases["checkout: cart, line, order placed"] = checkout
    cases["staff note on the long timeline"] = note
    return cases


async def main() -> dict[str, Any]:
    with local_stack() as small_stack, local_stack() as large_stack:
        async with AsyncExitStack() as exit_stack:
            small = await cases_for(small_stack, SMALL, exit_stack)
            large = await cases_for(large_stack, LARGE, exit_stack)
            results = {
                name: await measure(name, {SMALL: small[name], LARGE: large[name]})
                for name in small
            }
    ratios = {
        name: round(r[str(LARGE)]["p95_ms"] / r[str(SMALL)]["p95_ms"], 2)
        for name, r in results.items()
        if r[str(SMALL)]["p95_ms"]
    }
    return {
        "machine": machine(),
        "sizes": {"small": str(SMALL), "large": str(LARGE)},
        "cases": results,
        "p95_ratio_large_to_small": ratios,
    }


if __name__ == "__main__":
    print("RESULT " + json.dumps(asyncio.run(main())))
