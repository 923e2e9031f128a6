"""Delivery by Nova Poshta through the gateway, against its fake: the shop finds branches and
gets the carriers' options in hryvnias, checks out to a branch, fulfilment creates the waybill,
and tracking moves the order to shipped and delivered (announced on the bus)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest
from fakes.nova_poshta_fake import API_KEY, LVIV, SENDER, NovaPoshtaFake
from test_orders import order_events

from omni.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from omni.common.v1 import common_pb2
from omni.inventory.v1 import inventory_pb2, inventory_pb2_grpc
from omni_kit.app import channel

WEB = common_pb2.ChannelRef(channel=common_pb2.SALES_CHANNEL_WEB)


@pytest.fixture
def nova_poshta() -> Iterator[NovaPoshtaFake]:
    fake = NovaPoshtaFake().start()
    yield fake
    fake.stop()


@pytest.fixture
def service_settings(nova_poshta) -> dict[str, dict]:
    return {"order": nova_poshta_settings(nova_poshta)}


def nova_poshta_settings(nova_poshta: NovaPoshtaFake) -> dict[str, object]:
    """The order service's settings for delivering through the fake, polling its tracking."""
    return {
        "carriers": "nova_poshta,table_rate",
        "nova_poshta_api_url": f"{nova_poshta.base}/v2.0/json/",
        "nova_poshta_print_url": nova_poshta.base,
        "nova_poshta_api_key": API_KEY,
        "nova_poshta_sender_city_ref": SENDER["CitySender"],
        "nova_poshta_sender_ref": SENDER["Sender"],
        "nova_poshta_sender_address_ref": SENDER["SenderAddress"],
        "nova_poshta_sender_contact_ref": SENDER["ContactSender"],
        "nova_poshta_sender_phone": "+" + SENDER["SendersPhone"],
        "tracking_poll_interval_seconds": 0.3,
        "carrier_timeout_seconds": 1,
        "outbound_allow_http": True,
        "outbound_allow_private_networks": True,
    }


async def seed_kyiv_store(stack) -> str:
    """A mug (2.3 kg packed) sold on the web shop for 450.00 UAH, ten in a Kyiv store that ships
    and takes returns."""
    catalog_ch = channel(f"127.0.0.1:{stack.apps['catalog'].port}")
    inventory_ch = channel(f"127.0.0.1:{stack.apps['inventory'].port}")
    catalog = catalog_pb2_grpc.CatalogServiceStub(catalog_ch)
    inventory = inventory_pb2_grpc.InventoryServiceStub(inventory_ch)
    product = catalog_pb2.Product(
        slug="mug",
        status=catalog_pb2.PRODUCT_STATUS_ACTIVE,
        default_language="uk",
        texts={"uk": catalog_pb2.LocalizedText(name="Чашка")},
        variants=[
            catalog_pb2.Variant(
                sku="MUG-1", weight_grams=2300, length_mm=150, width_mm=120, height_mm=120
            )
        ],
    )
    created = (
        await catalog.CreateProduct(catalog_pb2.CreateProductRequest(product=product))
    ).product
    await catalog.UpsertChannelListing(
        catalog_pb2.UpsertChannelListingRequest(
            listing=catalog_pb2.ChannelListing(
                product_id=created.id,
                channel=WEB,
                published=True,
                price=common_pb2.Money(amount_minor=45000, currency_code="UAH"),
            )
        )
    )
    location = inventory_pb2.StockLocation(
        code="KYIV1",
        name="Kyiv",
        kind=inventory_pb2.LOCATION_KIND_STORE,
        geo=common_pb2.GeoPoint(lat=50.45, lng=30.52),
        capabilities=inventory_pb2.LocationCapabilities(
            ships=True, click_and_collect=True, receives_returns=True
        ),
    )
    store = (
        await inventory.CreateStockLocation(
            inventory_pb2.CreateStockLocationRequest(location=location)
        )
    ).location.id
    await inventory.ReceiveStock(
        inventory_pb2.ReceiveStockRequest(
            location_id=store, lines=[inventory_pb2.StockQuantity(sku="MUG-1", quantity=10)]
        )
    )
    await catalog_ch.close()
    await inventory_ch.close()
    return store


async def check_out(stack, headers, cart_id: str, delivery: dict) -> dict:
    """Checkout to a carrier's pickup point, paid online; the order placed (201)."""
    placed = await stack.http.post(
        "/api/v1/orders",
        json={
            "cart_id": cart_id,
            "delivery": {
                "mode": "home_delivery",
                "recipient": {"name": "Олена Коваль", "phone": "+380671112233"},
                **delivery,
            },
            "payment_method": "online_card",
            "payment_token": "tok_visa",
        },
        headers=headers | {"Idempotency-Key": f"checkout-{cart_id}"},
    )
    assert placed.status_code == 201, placed.text
    return placed.json()


async def until_status(stack, headers, order_id: str, status: str) -> dict:
    for _ in range(100):
        order = (await stack.http.get(f"/api/v1/orders/{order_id}", headers=headers)).json()
        if order["status"] == status:
            return order
        await asyncio.sleep(0.1)
    raise AssertionError(f"order {order_id} stayed {order['status']}, never {status}")


async def test_checkout_to_a_nova_poshta_branch_then_waybill_and_tracking_to_delivered(
    stack, nova_poshta, nc
):
    store = await seed_kyiv_store(stack)
    olena, _ = await stack.customer("olena@example.com")
    current = await stack.http.get("/api/v1/carts/current?currency=UAH", headers=olena)
    cart = current.json()
    assert cart["currency"] == "UAH", cart
    added = await stack.http.post(
        f"/api/v1/carts/{cart['id']}/lines", json={"sku": "MUG-1", "quantity": 1}, headers=olena
    )
    assert added.status_code == 201, added.text

    # The shop finds the city and its branches...
    cities = await stack.http.get("/api/v1/carriers/nova_poshta/cities", params={"name": "Льв"})
    assert cities.status_code == 200, cities.text
    [lviv] = cities.json()["cities"]
    assert lviv["id"] == LVIV
    points = (
        await stack.http.get(
            "/api/v1/carriers/nova_poshta/pickup-points", params={"city_id": lviv["id"]}
        )
    ).json()["points"]
    assert [p["kind"] for p in points] == ["branch", "branch", "parcel_locker"]
    unknown = await stack.http.get("/api/v1/carriers/ups/cities", params={"name": "Льв"})
    assert (unknown.status_code, unknown.json()["errors"][0]["field"]) == (422, "carrier")

    # ...and the options for an address in that city come from the carriers, in hryvnias.
    options = await stack.http.get(
        f"/api/v1/carts/{cart['id']}/delivery-options",
        params={"country_code": "UA", "city": "Львів"},
        headers=olena,
    )
    assert options.status_code == 200, options.text
    offered = {o["option_id"]: o for o in options.json()["options"] if o["mode"] == "home_delivery"}
    assert offered["home:dhl:standard"]["price"]["amount_minor"] == 9900  # the table rate
    # Nova Poshta's price for the mug's weight: 60 + 10 per started kilogram (+35 to the door).
    assert offered["home:nova_poshta:courier"]["price"]["amount_minor"] == 12500
    to_branch = offered[f"point:nova_poshta:{points[0]['id']}"]
    assert to_branch["price"] == {"amount_minor": 9000, "currency": "UAH"}
    assert to_branch["carrier_pickup_point"]["name"] == points[0]["name"]

    order = await check_out(stack, olena, cart["id"], {"option_id": to_branch["option_id"]})
    assert order["status"] == "confirmed"
    assert order["delivery"]["carrier"] == "nova_poshta"
    assert order["delivery"]["carrier_pickup_point"]["id"] == points[0]["id"]
    assert order["totals"]["total"]["amount_minor"] == 45000 + 9000

    admin = await stack.admin()
    shipped = await stack.http.post(
        f"/staff/v1/orders/{order['id']}/shipments",
        json={"source_location_id": store},
        headers=admin | {"Idempotency-Key": "ship-1"},
    )
    assert shipped.status_code == 201, shipped.text
    shipment = shipped.json()["shipment"]
    number = shipment["tracking_number"]
    waybill = nova_poshta.documents[number]  # the waybill exists at the carrier
    assert waybill["properties"]["RecipientAddress"] == points[0]["id"].split(":")[1]
    assert waybill["properties"]["RecipientName"] == "Олена Коваль"
    assert waybill["properties"]["Weight"] == "2.3"

    # Nova Poshta is slow for the next polls (they time out); tracking carries on after.
    polled = len(nova_poshta.requests)
    httpx.post(f"{nova_poshta.base}/_control/delay", json={"seconds": 1.5, "times": 2})
    for _ in range(100):
        if len(nova_poshta.requests) >= polled + 3:
            break
        await asyncio.sleep(0.1)
    httpx.post(f"{nova_poshta.base}/_control/advance", json={"number": number, "status_code": "5"})
    await until_status(stack, olena, order["id"], "shipped")
    httpx.post(f"{nova_poshta.base}/_control/advance", json={"number": number, "status_code": "9"})
    delivered = await until_status(stack, olena, order["id"], "delivered")
    assert delivered["shipments"][0]["tracking_status"] == "delivered"
    subjects = await order_events(nc, order["id"], 5)
    assert subjects[-2:] == ["omni.order.order.shipped", "omni.order.order.delivered"]


async def test_a_waybill_the_carrier_refuses_ships_nothing_and_commits_no_stock(stack, nova_poshta):
    store = await seed_kyiv_store(stack)
    olena, _ = await stack.customer("olena@example.com")
    cart = (await stack.http.get("/api/v1/carts/current?currency=UAH", headers=olena)).json()
    await stack.http.post(
        f"/api/v1/carts/{cart['id']}/lines", json={"sku": "MUG-1", "quantity": 1}, headers=olena
    )
    [lviv_branch, *_] = (
        await stack.http.get("/api/v1/carriers/nova_poshta/pickup-points", params={"city_id": LVIV})
    ).json()["points"]
    chosen = {"carrier": "nova_poshta", "carrier_pickup_point_id": lviv_branch["id"]}
    order = await check_out(stack, olena, cart["id"], chosen)
    assert order["delivery"]["carrier_pickup_point"]["name"] == lviv_branch["name"]
    admin = await stack.admin()
    on_hand = await stock_on_hand(stack, store)

    httpx.post(f"{nova_poshta.base}/_control/fail_next", json={"errors": ["Sender is invalid"]})
    refused = await stack.http.post(
        f"/staff/v1/orders/{order['id']}/shipments",
        json={"source_location_id": store},
        headers=admin | {"Idempotency-Key": "ship-2"},
    )
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "CARRIER_REFUSED"
    assert "Sender is invalid" not in refused.text  # the carrier's words stay in the log
    assert await stock_on_hand(stack, store) == on_hand  # nothing committed
    assert nova_poshta.documents == {}
    unchanged = (await stack.http.get(f"/api/v1/orders/{order['id']}", headers=olena)).json()
    assert (unchanged["status"], unchanged["shipments"]) == ("confirmed", [])

    shipped = await stack.http.post(
        f"/staff/v1/orders/{order['id']}/shipments",
        json={"source_location_id": store},
        headers=admin | {"Idempotency-Key": "ship-3"},
    )
    assert shipped.status_code == 201, shipped.text
    assert await stock_on_hand(stack, store) == on_hand - 1
    assert list(nova_poshta.documents) == [shipped.json()["shipment"]["tracking_number"]]


async def stock_on_hand(stack, store: str) -> int:
    inventory_ch = channel(f"127.0.0.1:{stack.apps['inventory'].port}")
    inventory = inventory_pb2_grpc.InventoryServiceStub(inventory_ch)
    reply = await inventory.ListStockLevels(
        inventory_pb2.ListStockLevelsRequest(skus=["MUG-1"], location_ids=[store])
    )
    await inventory_ch.close()
    return reply.stock_levels[0].on_hand
