"""Orders through the gateway: customers, store staff and partners, each refused another's orders."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from omni.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from omni.common.v1 import common_pb2
from omni.inventory.v1 import inventory_pb2, inventory_pb2_grpc
from omni_kit.app import channel

WEB = common_pb2.ChannelRef(channel=common_pb2.SALES_CHANNEL_WEB)
APP = common_pb2.ChannelRef(channel=common_pb2.SALES_CHANNEL_APP)
ADDRESS = {"lines": ["Invalidenstr. 1"], "city": "Berlin", "country_code": "DE"}


async def seed(stack, *, partner_id: str = "") -> dict[str, str]:
    """A listed product with stock in two stores; returns the store ids and the product id."""
    catalog_ch = channel(f"127.0.0.1:{stack.apps['catalog'].port}")
    inventory_ch = channel(f"127.0.0.1:{stack.apps['inventory'].port}")
    catalog = catalog_pb2_grpc.CatalogServiceStub(catalog_ch)
    inventory = inventory_pb2_grpc.InventoryServiceStub(inventory_ch)
    product = catalog_pb2.Product(
        slug="tee",
        status=catalog_pb2.PRODUCT_STATUS_ACTIVE,
        default_language="en",
        texts={"en": catalog_pb2.LocalizedText(name="Tee")},
        variants=[catalog_pb2.Variant(sku="TEE-M")],
    )
    created = (
        await catalog.CreateProduct(catalog_pb2.CreateProductRequest(product=product))
    ).product
    channels = [WEB, APP]
    if partner_id:
        channels.append(
            common_pb2.ChannelRef(
                channel=common_pb2.SALES_CHANNEL_MARKETPLACE, partner_id=partner_id
            )
        )
    for listed in channels:
        await catalog.UpsertChannelListing(
            catalog_pb2.UpsertChannelListingRequest(
                listing=catalog_pb2.ChannelListing(
                    product_id=created.id,
                    channel=listed,
                    published=True,
                    price=common_pb2.Money(amount_minor=1500, currency_code="EUR"),
                )
            )
        )
    stores = {}
    for code in ("MITTE", "XBERG"):
        location = inventory_pb2.StockLocation(
            code=code,
            name=code,
            kind=inventory_pb2.LOCATION_KIND_STORE,
            geo=common_pb2.GeoPoint(lat=52.5, lng=13.4),
            capabilities=inventory_pb2.LocationCapabilities(
                ships=True, click_and_collect=True, receives_returns=True
            ),
        )
        reply = await inventory.CreateStockLocation(
            inventory_pb2.CreateStockLocationRequest(location=location)
        )
        stores[code] = reply.location.id
        await inventory.ReceiveStock(
            inventory_pb2.ReceiveStockRequest(
                location_id=reply.location.id,
                lines=[inventory_pb2.StockQuantity(sku="TEE-M", quantity=10)],
            )
        )
    await catalog_ch.close()
    await inventory_ch.close()
    return stores | {"product": created.id}


def home_delivery(cart_id: str) -> dict:
    """A checkout of the cart to ADDRESS, paid online."""
    return {
        "cart_id": cart_id,
        "delivery": {"mode": "home_delivery", "address": ADDRESS},
        "payment_method": "online_card",
        "payment_token": "tok_visa",
    }


def marketplace_order(partner_order_id: str, amount_minor: int = 1400) -> dict:
    """A marketplace's order of one TEE-M at its own price."""
    price = {"amount_minor": amount_minor, "currency": "EUR"}
    return {
        "partner_order_id": partner_order_id,
        "lines": [{"sku": "TEE-M", "quantity": 1, "unit_price": price}],
        "delivery": {"mode": "home_delivery", "address": ADDRESS},
        "buyer": {"name": "Kim"},
    }


async def documented(stack, method: str, path: str) -> set[int]:
    """The statuses the OpenAPI document promises for an operation."""
    document = (await stack.http.get("/schema/openapi.json")).json()
    return {int(status) for status in document["paths"][path][method]["responses"]}


async def cart_with_tee(stack, headers: dict[str, str], quantity: int = 1) -> dict:
    cart = (await stack.http.get("/api/v1/carts/current", headers=headers)).json()
    added = await stack.http.post(
        f"/api/v1/carts/{cart['id']}/lines",
        json={"sku": "TEE-M", "quantity": quantity},
        headers=headers,
    )
    assert added.status_code == 201, added.text
    return added.json()


async def check_out_tee(stack, headers: dict[str, str], idempotency_key: str):
    """A cart with one TEE-M checked out for home delivery; the placing response (201)."""
    cart = await cart_with_tee(stack, headers)
    placed = await stack.http.post(
        "/api/v1/orders",
        json=home_delivery(cart["id"]),
        headers=headers | {"Idempotency-Key": idempotency_key},
    )
    assert placed.status_code == 201, placed.text
    return placed


async def test_customers_check_out_once_see_and_cancel_only_their_own_orders(stack):
    await seed(stack)
    anna, _ = await stack.customer("anna@example.com")
    bob, _ = await stack.customer("bob@example.com")

    empty = (await stack.http.get("/api/v1/carts/current", headers=bob)).json()
    body = home_delivery(empty["id"])
    refused = await stack.http.post(
        "/api/v1/orders", json=body, headers=bob | {"Idempotency-Key": "b1"}
    )
    assert refused.status_code == 409
    assert refused.json()["code"] == "CART_EMPTY"

    cart = await cart_with_tee(stack, anna, 2)
    body["cart_id"] = cart["id"]
    no_key = await stack.http.post("/api/v1/orders", json=body, headers=anna)
    assert no_key.status_code == 422
    first = await stack.http.post(
        "/api/v1/orders", json=body, headers=anna | {"Idempotency-Key": "k1"}
    )
    assert first.status_code == 201, first.text
    order = first.json()
    assert order["status"] == "confirmed"
    assert order["totals"]["total"]["amount_minor"] == 2 * 1500 + 499
    again = await stack.http.post(
        "/api/v1/orders", json=body, headers=anna | {"Idempotency-Key": "k1"}
    )
    assert again.json()["id"] == order["id"]

    mine = (await stack.http.get("/api/v1/orders", headers=anna)).json()
    assert [o["id"] for o in mine["orders"]] == [order["id"]]
    assert (await stack.http.get("/api/v1/orders", headers=bob)).json()["orders"] == []
    stranger = await stack.http.get(f"/api/v1/orders/{order['id']}", headers=bob)
    assert stranger.status_code == 404
    steal = await stack.http.post(f"/api/v1/orders/{order['id']}/cancel", json={}, headers=bob)
    assert steal.status_code == 404

    cancelled = await stack.http.post(f"/api/v1/orders/{order['id']}/cancel", json={}, headers=anna)
    assert cancelled.json()["status"] == "cancelled"
    # A change answers 200 with the order, and the document says so (it said 201).
    assert cancelled.status_code == 200
    assert 200 in await documented(stack, "post", "/api/v1/orders/{order_id}/cancel")


async def order_events(nc, order_id: str, count: int) -> list[str]:
    """The subjects of the order's events on the bus, in order (the stream is shared)."""
    sub = await nc.jetstream().subscribe("omni.order.>", ordered_consumer=True)
    subjects: list[str] = []
    try:
        while len(subjects) < count:
            msg = await sub.next_msg(timeout=10)
            if order_id.encode() in msg.data:
                subjects.append(msg.subject)
    finally:
        await sub.unsubscribe()
    return subjects


async def test_the_domain_journey_web_app_click_and_collect_pickup_and_a_return_elsewhere(
    stack, nc
):
    """Browse on web, continue the cart on the app, collect in one store, return in another;
    store staff act only for their own store; every step is in the history and on the bus."""
    seeded = await seed(stack)
    mitte, xberg = seeded["MITTE"], seeded["XBERG"]
    admin = await stack.admin()
    for name, store in (("anna.mitte", mitte), ("kai.xberg", xberg)):
        made = await stack.http.post(
            "/staff/v1/users",
            json={
                "username": name,
                "password": "long-password-1",
                "role": "associate",
                "store_ids": [store],
            },
            headers=admin,
        )
        assert made.status_code == 201, made.text
    at_mitte = await stack.staff_login("anna.mitte", "long-password-1")
    at_xberg = await stack.staff_login("kai.xberg", "long-password-1")
    customer, _ = await stack.customer("carla@example.com")
    web, app = customer | {"X-Omni-Channel": "web"}, customer | {"X-Omni-Channel": "app"}

    product = await stack.http.get(f"/api/v1/catalog/products/{seeded['product']}", headers=web)
    assert product.status_code == 200, product.text
    cart = (await stack.http.get("/api/v1/carts/current", headers=web)).json()
    added = await stack.http.post(
        f"/api/v1/carts/{cart['id']}/lines", json={"sku": "TEE-M", "quantity": 1}, headers=web
    )
    assert added.status_code == 201, added.text
    on_app = (await stack.http.get("/api/v1/carts/current", headers=app)).json()
    assert on_app["id"] == cart["id"]
    more = await stack.http.post(
        f"/api/v1/carts/{cart['id']}/lines", json={"sku": "TEE-M", "quantity": 1}, headers=app
    )
    assert more.json()["lines"][0]["quantity"] == 2
    options = await stack.http.get(f"/api/v1/carts/{cart['id']}/delivery-options", headers=app)
    pickup_stores = {o.get("pickup_location_id") for o in options.json()["options"]}
    assert {mitte, xberg} <= pickup_stores

    placed = await stack.http.post(
        "/api/v1/orders",
        json={
            "cart_id": cart["id"],
            "delivery": {"mode": "click_and_collect", "pickup_location_id": mitte},
            "payment_method": "pay_in_store",
        },
        headers=app | {"Idempotency-Key": "c1"},
    )
    assert placed.status_code == 201, placed.text
    order_id = placed.json()["id"]
    assert placed.json()["channel"]["channel"] == "app"

    refused = await stack.http.get(f"/staff/v1/stores/{mitte}/pickups", headers=at_xberg)
    assert refused.status_code == 403
    waiting = (await stack.http.get(f"/staff/v1/stores/{mitte}/pickups", headers=at_mitte)).json()
    assert [o["id"] for o in waiting["orders"]] == [order_id]
    ready_url = f"/staff/v1/orders/{order_id}/ready-for-pickup"
    assert (await stack.http.post(ready_url, headers=at_xberg)).status_code == 403
    ready = await stack.http.post(ready_url, headers=at_mitte)
    assert ready.json()["status"] == "ready_for_pickup"
    # The code the customer was given (staff views leave it out).
    mine = await stack.http.get(f"/api/v1/orders/{order_id}", headers=app)
    collected = await stack.http.post(
        f"/staff/v1/orders/{order_id}/collected",
        json={"pickup_code": mine.json()["pickup"]["code"]},
        headers=at_mitte,
    )
    assert collected.json()["status"] == "collected"
    assert (ready.status_code, collected.status_code) == (200, 200)
    for action in ("ready-for-pickup", "collected"):
        assert 200 in await documented(stack, "post", f"/staff/v1/orders/{{order_id}}/{action}")

    returned = await stack.http.post(
        f"/staff/v1/orders/{order_id}/returns",
        json={"receiving_location_id": xberg, "lines": [{"line_id": "l1", "quantity": 1}]},
        headers=at_xberg | {"Idempotency-Key": "r1"},
    )
    assert returned.status_code == 201, returned.text
    assert returned.json()["order"]["status"] == "partially_returned"

    mine = (await stack.http.get(f"/api/v1/orders/{order_id}", headers=customer)).json()
    assert mine["status"] == "partially_returned"
    assert "history" not in mine  # the history is for staff
    seen = (await stack.http.get(f"/staff/v1/orders/{order_id}", headers=at_xberg)).json()
    steps = [
        (e["action"], e["channel"]["channel"], e["channel"]["store_id"]) for e in seen["history"]
    ]
    assert steps == [
        ("placed", "app", None),
        ("confirmed", "app", None),
        ("ready_for_pickup", "pos", mitte),
        ("collected", "pos", mitte),
        ("return_received", "pos", xberg),
        ("refund_recorded", "pos", xberg),
    ]
    assert seen["history"][2]["actor"]["kind"] == "staff"
    assert await order_events(nc, order_id, 6) == [
        "omni.order.order.placed",
        "omni.order.order.confirmed",
        "omni.order.order.ready_for_pickup",
        "omni.order.order.collected",
        "omni.order.return.received",
        "omni.order.refund.recorded",
    ]

    today = datetime.now(UTC).date()
    days = f"from={today - timedelta(days=1)}&to={today + timedelta(days=1)}"
    sales_url = f"/staff/v1/reports/sales?{days}"
    assert (await stack.http.get(sales_url, headers=at_mitte)).status_code == 403
    too_long = f"/staff/v1/reports/sales?from={today}&to={today + timedelta(days=366)}"
    refused = await stack.http.get(too_long, headers=admin)
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"] == [{"field": "to", "message": "at most 366 days after from"}]
    report = await stack.http.get(sales_url, headers=admin)
    assert report.status_code == 200, report.text
    totals = report.json()["channel_totals"]
    assert [(t["channel"], t["units"]) for t in totals] == [("app", 2)]


async def test_partners_import_once_and_read_only_their_own_orders(stack):
    scopes = ["orders:write", "orders:read", "webhooks:manage"]
    writer_id, writer = await stack.partner("market-one", scopes)
    _, other = await stack.partner("market-two", ["orders:read", "webhooks:manage"])
    await seed(stack, partner_id=writer_id)
    for key in (writer, other):
        hook = await stack.http.post(
            "/partner/v1/webhooks",
            json={"url": "http://127.0.0.1:9/hook", "event_types": ["omni.order.order.confirmed"]},
            headers=key,
        )
        assert hook.status_code == 201, hook.text
    body = marketplace_order("M1-1001")
    first = await stack.http.post("/partner/v1/orders", json=body, headers=writer)
    assert first.status_code == 201, first.text
    again = await stack.http.post("/partner/v1/orders", json=body, headers=writer)
    assert (again.status_code, again.json()["id"]) == (200, first.json()["id"])
    assert {200, 201} <= await documented(stack, "post", "/partner/v1/orders")
    # A price no int64 holds is the caller's mistake, not a 500.
    too_big = marketplace_order("M1-1002", amount_minor=2**64)
    refused = await stack.http.post("/partner/v1/orders", json=too_big, headers=writer)
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"].endswith("amount_minor")
    order_id = first.json()["id"]

    assert (
        await stack.http.post("/partner/v1/orders", json=body, headers=other)
    ).status_code == 403
    assert (
        await stack.http.get(f"/partner/v1/orders/{order_id}", headers=other)
    ).status_code == 404
    assert (await stack.http.get("/partner/v1/orders", headers=other)).json()["orders"] == []
    mine = (await stack.http.get("/partner/v1/orders", headers=writer)).json()
    assert [o["id"] for o in mine["orders"]] == [order_id]

    # The status update goes back to this partner's webhook, never to another partner's.
    for _ in range(150):
        sent = (await stack.http.get("/partner/v1/webhook-deliveries", headers=writer)).json()
        if sent:
            break
        await asyncio.sleep(0.1)
    assert [d["event_type"] for d in sent] == ["omni.order.order.confirmed"]
    assert (await stack.http.get("/partner/v1/webhook-deliveries", headers=other)).json() == []


async def reserved(stack, sku: str) -> int:
    inventory_ch = channel(f"127.0.0.1:{stack.apps['inventory'].port}")
    inventory = inventory_pb2_grpc.InventoryServiceStub(inventory_ch)
    reply = await inventory.ListStockLevels(inventory_pb2.ListStockLevelsRequest(skus=[sku]))
    await inventory_ch.close()
    return sum(level.reserved for level in reply.stock_levels)


async def test_a_partner_import_beyond_stock_is_a_409_and_writes_nothing(stack):
    scopes = ["orders:write", "orders:read", "webhooks:manage"]
    partner_id, key = await stack.partner("market-rush", scopes)
    await seed(stack, partner_id=partner_id)  # 2 x 10 units
    events = ["omni.order.order.placed", "omni.order.order.confirmed", "omni.order.order.cancelled"]
    hook = await stack.http.post(
        "/partner/v1/webhooks",
        json={"url": "http://127.0.0.1:9/hook", "event_types": events},
        headers=key,
    )
    assert hook.status_code == 201, hook.text
    price = {"amount_minor": 1400, "currency": "EUR"}
    line = {"sku": "TEE-M", "quantity": 21, "unit_price": price}
    body = {
        "partner_order_id": "M2-1",
        "lines": [line],
        "delivery": {"mode": "home_delivery", "address": ADDRESS},
    }
    refused = await stack.http.post("/partner/v1/orders", json=body, headers=key)
    assert refused.status_code == 409, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    problem = refused.json()
    assert problem["code"] == "INSUFFICIENT_STOCK"
    assert problem["errors"][0]["field"] == "lines[0].quantity"
    assert (problem["metadata"]["sku"], problem["metadata"]["available"]) == ("TEE-M", "20")
    assert (await stack.http.get("/partner/v1/orders", headers=key)).json()["orders"] == []
    assert await reserved(stack, "TEE-M") == 0

    line["quantity"] = 20
    imported = await stack.http.post("/partner/v1/orders", json=body, headers=key)
    assert imported.status_code == 201, imported.text
    assert imported.json()["status"] == "confirmed"
    assert await reserved(stack, "TEE-M") == 20
    # Webhooks tell of the order that was written, and of nothing for the refusal.
    for _ in range(150):
        sent = (await stack.http.get("/partner/v1/webhook-deliveries", headers=key)).json()
        if set(events[:2]) <= {d["event_type"] for d in sent}:
            break
        await asyncio.sleep(0.1)
    assert sorted(d["event_type"] for d in sent) == [
        "omni.order.order.confirmed",
        "omni.order.order.placed",
    ]
