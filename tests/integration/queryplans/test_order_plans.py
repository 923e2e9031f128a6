"""Every read the order service's store sends is an index range of about a page, on a year of
orders: lists with each filter, both sorts, pages after the first
and deep pages, returns, the sales report and look-ups."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from plans import judge_all, seeded_ids

from omni.common.v1 import common_pb2
from omni.order.v1 import order_pb2 as P
from omni_kit.protos import to_timestamp
from omni_kit.store import ensure_indexes
from omni_order.domain.orders import Order
from omni_order.messages import from_message
from omni_order.store import INDEXES, CartStore, OrderStore, ReturnStore
from omni_order.store.orders import OrderFilter, document_of
from omni_order.store.sales import changes, days_in

new_id = seeded_ids(29)

NOW = datetime.now(UTC).replace(microsecond=0)
ORDERS = 3000
STORES = ["loc_mitte", "loc_xberg", "loc_praga", "loc_lviv", "loc_wh"]
PARTNERS = ["ptn_allegro", "ptn_rozetka"]
STATUSES = [
    "ORDER_STATUS_CONFIRMED",
    "ORDER_STATUS_CANCELLED",
    "ORDER_STATUS_SHIPPED",
    "ORDER_STATUS_DELIVERED",
    "ORDER_STATUS_READY_FOR_PICKUP",
    "ORDER_STATUS_COLLECTED",
    "ORDER_STATUS_RETURNED",
    "ORDER_STATUS_PAYMENT_FAILED",
]
ZONES = ("UTC", "Europe/Kyiv")


def an_order(rng: random.Random, index: int) -> tuple[P.Order, dict]:
    placed = NOW - timedelta(seconds=rng.randrange(365 * 86400))
    channel_kind = rng.choice(["web", "web", "app", "pos", "marketplace"])
    channel = common_pb2.ChannelRef(channel=common_pb2.SALES_CHANNEL_WEB)
    extra: dict = {}
    partner_order_id = ""
    if channel_kind == "app":
        channel.channel = common_pb2.SALES_CHANNEL_APP
    elif channel_kind == "pos":
        channel.channel = common_pb2.SALES_CHANNEL_POS
        channel.store_id = rng.choice(STORES[:4])
    elif channel_kind == "marketplace":
        channel.channel = common_pb2.SALES_CHANNEL_MARKETPLACE
        channel.partner_id = rng.choice(PARTNERS)
        partner_order_id = f"M-{index}"
        extra["partner_key"] = f"{channel.partner_id}:{partner_order_id}"
    pickup = rng.random() < 0.3 and channel_kind != "pos"
    delivery = P.Delivery(
        mode=common_pb2.DELIVERY_MODE_CLICK_AND_COLLECT
        if pickup
        else common_pb2.DELIVERY_MODE_HOME_DELIVERY,
        pickup_location_id=rng.choice(STORES[:4]) if pickup else "",
    )
    quantity = rng.randrange(1, 4)
    order = P.Order(
        id=new_id("ord"),
        number=f"{placed:%y%m%d}-{index:06d}",
        version=3,
        status=P.OrderStatus.Value(rng.choice(STATUSES)),
        customer_id="" if channel_kind == "pos" and rng.random() < 0.5 else f"cus_{index % 400}",
        channel=channel,
        partner_order_id=partner_order_id,
        delivery=delivery,
        lines=[
            P.OrderLine(
                line_id="l1",
                sku=f"SKU-{rng.randrange(500)}",
                quantity=quantity,
                unit_price=common_pb2.Money(amount_minor=1999, currency_code="EUR"),
            )
        ],
        totals=P.OrderTotals(
            total=common_pb2.Money(amount_minor=1999 * quantity, currency_code="EUR")
        ),
        placed_at=to_timestamp(placed),
    )
    if order.status in (P.ORDER_STATUS_SHIPPED, P.ORDER_STATUS_DELIVERED):
        order.shipments.add(id=new_id("shp"), source_location_id="loc_wh")
    return order, extra


@pytest.fixture
async def shop(recorded, db_name):
    client, recorder = recorded
    db = client[db_name]
    await ensure_indexes(db, INDEXES)
    rng = random.Random(26)
    orders, totals = [], {}
    for index in range(ORDERS):
        order, extra = an_order(rng, index)
        document = document_of(from_message(order, Order), ZONES) | extra
        orders.append(document)
        for key, change in changes(None, document["sales_counted"]).items():
            row = totals.setdefault(key, {"_id": key, **change["key"]})
            for amount, value in change["inc"].items():
                row[amount] = row.get(amount, 0) + value
    await db["orders"].insert_many(orders)
    await db["sales_days"].insert_many(list(totals.values()))
    returns = [
        {
            "_id": new_id("ret"),
            "order_id": order["_id"],
            "receiving_location_id": rng.choice(STORES[:4]),
            "status": rng.choice(["RETURN_STATUS_RECEIVED", "RETURN_STATUS_REFUNDED"]),
            "created_at": order["placed_at"] + timedelta(days=rng.randrange(1, 20)),
        }
        for order in orders
        if order["status"] == "ORDER_STATUS_RETURNED"
    ]
    await db["returns"].insert_many(returns)
    infra = SimpleNamespace(db=db)
    return SimpleNamespace(
        orders=OrderStore(infra, ZONES),  # type: ignore[arg-type]
        returns=ReturnStore(db),
        carts=CartStore(db),
        recorder=recorder,
        client=client,
        documents=orders,
        return_documents=returns,
    )


async def walk(store, wanted: OrderFilter, pages: int = 3, size: int = 50) -> list[Order]:
    """The first pages of a list, as the API asks for them (size + 1 to see if more follow)."""
    seen: list[Order] = []
    after = None
    for _ in range(pages):
        found = await store.page(wanted, after, size + 1)
        seen += found[:size]
        if len(found) <= size:
            break
        last = found[size - 1]
        after = (last.placed_at, last.id)
    return seen


LISTS = {
    "everything, newest first": OrderFilter(),
    "everything, oldest first": OrderFilter(
        oldest_first=True, placed_from=NOW - timedelta(days=30)
    ),
    "a customer": OrderFilter(customer_id="cus_7"),
    "a channel": OrderFilter(channel="SALES_CHANNEL_WEB"),
    "a channel, oldest first": OrderFilter(
        channel="SALES_CHANNEL_POS", oldest_first=True, placed_from=NOW - timedelta(days=90)
    ),
    "a status": OrderFilter(statuses=("ORDER_STATUS_CANCELLED",)),
    "two statuses": OrderFilter(statuses=("ORDER_STATUS_SHIPPED", "ORDER_STATUS_DELIVERED")),
    "a channel and a status": OrderFilter(
        channel="SALES_CHANNEL_APP", statuses=("ORDER_STATUS_CONFIRMED",)
    ),
    "a store": OrderFilter(store_ids=("loc_mitte",)),
    "an associate's stores": OrderFilter(store_ids=("loc_mitte", "loc_praga")),
    "an associate's stores and statuses": OrderFilter(
        store_ids=("loc_mitte", "loc_praga"),
        statuses=("ORDER_STATUS_READY_FOR_PICKUP", "ORDER_STATUS_CONFIRMED"),
    ),
    "a store and a channel": OrderFilter(store_ids=("loc_lviv",), channel="SALES_CHANNEL_POS"),
    "the pickup board": OrderFilter(
        pickup_location_id="loc_xberg",
        statuses=(
            "ORDER_STATUS_CONFIRMED",
            "ORDER_STATUS_PARTIALLY_FULFILLED",
            "ORDER_STATUS_FULFILLED",
            "ORDER_STATUS_READY_FOR_PICKUP",
        ),
    ),
    "a pickup store": OrderFilter(pickup_location_id="loc_xberg"),
    "a partner": OrderFilter(partner_id="ptn_allegro"),
    "a partner's order": OrderFilter(partner_id="ptn_allegro", partner_order_id="M-17"),
    "an order number": OrderFilter(number="missing-number"),
    "the last 30 days": OrderFilter(placed_from=NOW - timedelta(days=30), placed_to=NOW),
    "a channel in a quarter": OrderFilter(
        channel="SALES_CHANNEL_WEB",
        placed_from=NOW - timedelta(days=200),
        placed_to=NOW - timedelta(days=110),
    ),
    "a customer in a channel and status": OrderFilter(
        customer_id="cus_9", channel="SALES_CHANNEL_WEB", statuses=("ORDER_STATUS_CONFIRMED",)
    ),
}


def expected(documents: list[dict], wanted: OrderFilter, count: int) -> list[str]:
    """The same list computed from the seeded documents."""

    def fits(doc: dict) -> bool:
        checks = [
            not wanted.customer_id or doc.get("customer_id") == wanted.customer_id,
            not wanted.channel or doc["channel"]["channel"] == wanted.channel,
            not wanted.statuses or doc["status"] in wanted.statuses,
            not wanted.store_ids or bool(set(doc["stores"]) & set(wanted.store_ids)),
            not wanted.pickup_location_id
            or doc["delivery"].get("pickup_location_id") == wanted.pickup_location_id,
            not wanted.partner_id or doc["channel"].get("partner_id") == wanted.partner_id,
            not wanted.partner_order_id or doc.get("partner_order_id") == wanted.partner_order_id,
            not wanted.number or doc["number"] == wanted.number,
            wanted.placed_from is None or doc["placed_at"] >= wanted.placed_from,
            wanted.placed_to is None or doc["placed_at"] < wanted.placed_to,
        ]
        return all(checks)

    chosen = sorted(
        (doc for doc in documents if fits(doc)),
        key=lambda doc: (doc["placed_at"], doc["_id"]),
        reverse=not wanted.oldest_first,
    )
    return [doc["_id"] for doc in chosen[:count]]


async def test_every_order_read_is_an_index_range_of_about_a_page(shop):
    recorder = shop.recorder
    for label, wanted in LISTS.items():
        with recorder.shape(label):
            seen = await walk(shop.orders, wanted)
        assert [o.id for o in seen] == expected(shop.documents, wanted, len(seen)), label
        assert len(seen) == len(expected(shop.documents, wanted, 150)), label
    deep = OrderFilter(channel="SALES_CHANNEL_WEB")
    with recorder.shape("a channel, pages 1-10"):
        assert len(await walk(shop.orders, deep, pages=10)) == 500
    some = shop.documents[1234]
    with recorder.shape("by number"):
        found = await walk(shop.orders, OrderFilter(number=some["number"]))
        assert [o.id for o in found] == [some["_id"]]

    returned = shop.return_documents[0]
    for label, args in {
        "returns of an order": (returned["order_id"], "", []),
        "returns at a store": ("", "loc_mitte", []),
        "returns at a store by status": ("", "loc_mitte", ["RETURN_STATUS_RECEIVED"]),
        "returns by status": ("", "", ["RETURN_STATUS_REFUNDED"]),
        "every return": ("", "", []),
    }.items():
        with recorder.shape(label):
            first = await shop.returns.page(*args, None, 51)
            if len(first) > 50:
                last = first[49]
                await shop.returns.page(*args, (last.created_at, last.id), 51)

    for days in (30, 365):
        start = NOW - timedelta(days=days)
        with recorder.shape(f"sales report, {days} days", page=days * 5):
            rows = await shop.orders.sales(start, NOW, "Europe/Kyiv", [])
        assert rows
        assert {row["day"] for row in rows} <= set(days_in(start, NOW, "Europe/Kyiv"))

    with recorder.shape("look-ups", page=1):
        await shop.orders.get(some["_id"])
        await shop.orders.find({"partner_key": "ptn_allegro:M-17"})
        await shop.orders.checkout_inputs(some["_id"])
        await shop.orders.trace_headers(some["_id"])
        # A provider's callback names the payment by our key or by the provider's reference.
        await shop.orders.find({"payments.id": "pay_missing"})
        await shop.orders.find({"payments.provider": "stripe", "payments.provider_ref": "pi_x"})
        await shop.carts.find_active("customer_id", "cus_7")
    with recorder.shape("background sweeps", page=100):
        await shop.orders.due_sagas(NOW, NOW - timedelta(seconds=30))
        await shop.orders.pickups_due(NOW + timedelta(days=1))

    assert recorder.labels() >= set(LISTS)
    problems = await judge_all(shop.client, recorder)
    assert not problems, "\n".join(problems)
