"""Orders as stored: totals, quantities and versions are numbers (so `$sum`, `$gt` and sorts
compare numbers), and orders stored in the shape written before (proto3 JSON: int64 as text,
nested timestamps as text) are migrated at start, once, and read back unchanged."""

from __future__ import annotations

import asyncio
from datetime import UTC
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp
from order_shop import APP, STAFF, WEB, keyed

from omni.order.v1 import order_pb2
from omni_kit.migrations import VERSIONS, migrate, reshape
from omni_kit.protos import from_document, to_document
from omni_order.domain.carts import Cart
from omni_order.domain.orders import Order
from omni_order.store import MIGRATIONS
from omni_order.store import documents as domain_documents

P = order_pb2


def before_migrations(message: Message, helpers: dict[str, Any]) -> dict[str, Any]:
    """A document as the stores wrote it before: proto3 JSON (int64 as text, nested timestamps
    as RFC 3339 text), top-level timestamps as dates, the service's helper fields beside."""
    document = json_format.MessageToDict(message, preserving_proto_field_name=True)
    for field in message.DESCRIPTOR.fields:
        stamp = field.message_type is Timestamp.DESCRIPTOR and not field.is_repeated
        if stamp and field.name in document:
            document[field.name] = getattr(message, field.name).ToDatetime(tzinfo=UTC)
    return {"_id": document.pop("id"), **document, **helpers}


async def place_orders(shop) -> list[P.Order]:
    await shop.product("TEE-M", 1500)
    await shop.product("CAP", 990)
    warehouse = await shop.location("WH-1")
    for sku in ("TEE-M", "CAP"):
        await shop.receive(warehouse, sku, 50)
    orders = []
    for index, (sku, quantity, channel) in enumerate(
        [("TEE-M", 1, WEB), ("CAP", 11, APP), ("TEE-M", 7, WEB), ("CAP", 2, WEB)]
    ):
        cart = await shop.add((await shop.cart(f"cus_{index}", channel)).id, sku, quantity)
        orders.append(await shop.place(cart.id, channel=channel))
    return orders


async def test_totals_sum_and_compare_as_numbers(shop, mongo, db_name):
    orders = await place_orders(shop)
    stored = mongo[f"{db_name}_order"]["orders"]
    totals = [order.totals.total.amount_minor for order in orders]
    assert min(totals) < 10_000 < max(totals)  # text would order "1999" after "10890"

    summed = await (
        await stored.aggregate(
            [
                {
                    "$group": {
                        "_id": "$totals.total.currency_code",
                        "sum": {"$sum": "$totals.total.amount_minor"},
                    }
                }
            ]
        )
    ).to_list(None)
    assert summed == [{"_id": "EUR", "sum": sum(totals)}]

    above = stored.find({"totals.total.amount_minor": {"$gt": 5000}}, {"_id": 1})
    assert {doc["_id"] async for doc in above} == {
        o.id for o in orders if o.totals.total.amount_minor > 5000
    }
    by_total = stored.find({}, {"_id": 1}).sort("totals.total.amount_minor", -1)
    ranked = sorted(orders, key=lambda order: -order.totals.total.amount_minor)
    assert [doc["_id"] async for doc in by_total] == [order.id for order in ranked]
    many = stored.find({"lines.quantity": {"$gte": 7}}, {"_id": 1})
    assert {doc["_id"] async for doc in many} == {orders[1].id, orders[2].id}


async def test_the_domain_types_keep_the_shape_the_messages_were_stored_in(shop, mongo, db_name):
    """Orders and carts as the service writes them from its domain types are, field for field,
    what it wrote when the protobuf messages were its documents (`omni_kit.protos.to_document`),
    and they read back into the domain types and write out identically: nothing to migrate."""
    await place_orders(shop)
    db = mongo[f"{db_name}_order"]
    for collection, message_type, domain_type in [
        ("orders", P.Order, Order),
        ("carts", P.Cart, Cart),
    ]:
        documents = await db[collection].find({}).to_list(None)
        assert len(documents) == 4
        names = message_type.DESCRIPTOR.fields_by_name
        for document in documents:
            fields = {key: value for key, value in document.items() if key == "_id" or key in names}
            assert to_document(from_document(document, message_type)) == fields
            value = domain_documents.from_document(document, domain_type)
            assert domain_documents.to_document(value) == fields


async def test_orders_stored_before_are_migrated_at_start_once(shop, mongo, db_name):
    orders = await place_orders(shop)
    db = mongo[f"{db_name}_order"]
    current = {o.id: await shop.get(o.id) for o in orders}
    await shop.order_app.stop(grace=0)

    # The store as it was before: old-shape documents, no schema versions.
    async for document in db["orders"].find({}):
        helpers = {k: v for k, v in document.items() if k not in P.Order.DESCRIPTOR.fields_by_name}
        old = before_migrations(from_document(document, P.Order), helpers)
        await db["orders"].replace_one({"_id": document["_id"]}, old)
    await db[VERSIONS].delete_many({})
    old = await db["orders"].find_one({"_id": orders[0].id})
    assert old["version"] == str(current[orders[0].id].version)
    assert isinstance(old["history"][0]["at"], str)
    assert isinstance(old["totals"]["total"]["amount_minor"], str)

    _, shop.order = await shop.start_order()
    for order_id, before in current.items():
        assert await shop.get(order_id) == before
        migrated = await db["orders"].find_one({"_id": order_id})
        assert migrated["totals"]["total"]["amount_minor"] == before.totals.total.amount_minor
        assert migrated["version"] == before.version
        assert migrated["history"][0]["at"] == before.history[0].at.ToDatetime(tzinfo=UTC)
    applied = await db[VERSIONS].find_one({"_id": "orders"})
    assert applied["version"] == 1
    assert [(run["version"], run["scanned"], run["changed"]) for run in applied["applied"]] == [
        (1, len(orders), len(orders))
    ]

    # Writes go on after the migration, and running it again changes nothing.
    moved = await shop.order.CancelOrder(
        P.CancelOrderRequest(order_id=orders[0].id, actor=STAFF), metadata=keyed()
    )
    assert moved.order.version == current[orders[0].id].version + 1
    assert await migrate(db, MIGRATIONS) == []
    assert await reshape(P.Order)(db["orders"]) == {"scanned": len(orders), "changed": 0}


async def test_two_runners_starting_together_migrate_once(shop, mongo, db_name):
    orders = await place_orders(shop)
    db = mongo[f"{db_name}_order"]
    stored = [await shop.get(o.id) for o in orders]
    await shop.order_app.stop(grace=0)
    async for document in db["orders"].find({}):
        helpers = {k: v for k, v in document.items() if k not in P.Order.DESCRIPTOR.fields_by_name}
        await db["orders"].replace_one(
            {"_id": document["_id"]},
            before_migrations(from_document(document, P.Order), helpers),
        )
    await db[VERSIONS].delete_many({})

    first, second = await asyncio.gather(
        migrate(db, MIGRATIONS, owner="replica-a"), migrate(db, MIGRATIONS, owner="replica-b")
    )
    ran = sorted((m.collection, m.version) for m in [*first, *second])
    assert ran == sorted((m.collection, m.version) for m in MIGRATIONS)
    assert not (first and second)  # one runner did them all; the other waited and found none
    async for record in db[VERSIONS].find({}):
        assert len(record["applied"]) == 1
    async for document in db["orders"].find({}):
        assert isinstance(document["version"], int)
    _, shop.order = await shop.start_order()
    assert [await shop.get(o.id) for o in orders] == stored
