"""Inventory through the gateway: staff see a SKU everywhere and move stock only in their own
stores; partners read only their channel's share; frontends see availability."""

from __future__ import annotations

from omni.common.v1 import common_pb2
from omni.inventory.v1 import inventory_pb2, inventory_pb2_grpc
from omni_kit.app import channel


async def seed(stack) -> tuple[str, str]:
    """Two stores with 10 shirts each."""
    async with channel(f"127.0.0.1:{stack.apps['inventory'].port}") as ch:
        inventory = inventory_pb2_grpc.InventoryServiceStub(ch)
        stores = []
        for code, lat in (("BER-01", 52.52), ("HAM-01", 53.55)):
            location = inventory_pb2.StockLocation(
                code=code,
                name=f"Store {code}",
                kind=inventory_pb2.LOCATION_KIND_STORE,
                geo=common_pb2.GeoPoint(lat=lat, lng=10.0),
                capabilities=inventory_pb2.LocationCapabilities(click_and_collect=True, ships=True),
            )
            reply = await inventory.CreateStockLocation(
                inventory_pb2.CreateStockLocationRequest(location=location)
            )
            stores.append(reply.location.id)
            await inventory.ReceiveStock(
                inventory_pb2.ReceiveStockRequest(
                    location_id=reply.location.id,
                    lines=[inventory_pb2.StockQuantity(sku="SHIRT", quantity=10)],
                )
            )
    return stores[0], stores[1]


async def test_inventory_for_staff_partners_and_frontends(stack):
    """One stack for the module (starting it is the slow part); each audience in turn."""
    berlin, hamburg = await seed(stack)
    await staff_see_every_location_but_move_stock_only_in_their_own_stores(stack, berlin, hamburg)
    await partners_read_their_share_and_frontends_see_availability(stack, berlin)


async def staff_see_every_location_but_move_stock_only_in_their_own_stores(stack, berlin, hamburg):
    ben = await stack.staff_member("ben", "associate", [berlin])
    hanna = await stack.staff_member("hanna", "associate", [hamburg])
    cora = await stack.staff_member("cora", "consultant", [])

    everywhere = await stack.http.get("/staff/v1/inventory/skus/SHIRT/stock", headers=cora)
    assert everywhere.status_code == 200, everywhere.text
    rows = {row["location"]["code"]: row for row in everywhere.json()["locations"]}
    assert {code: row["available"] for code, row in rows.items()} == {"BER-01": 10, "HAM-01": 10}
    assert rows["BER-01"]["location"]["kind"] == "store"
    store = await stack.http.get(f"/staff/v1/stores/{berlin}", headers=ben)
    assert store.status_code == 200, store.text
    assert (store.json()["code"], store.json()["kind"]) == ("BER-01", "store")
    assert store.json()["capabilities"]["click_and_collect"] is True
    assert (await stack.http.get(f"/staff/v1/stores/{hamburg}", headers=ben)).status_code == 403

    adjustment = {"sku": "SHIRT", "quantity_delta": -2, "reason": "damaged", "note": "wet"}
    key = {"Idempotency-Key": "adj-1"}
    done = await stack.http.post(
        f"/staff/v1/inventory/stores/{berlin}/adjustments", json=adjustment, headers=ben | key
    )
    assert done.status_code == 201, done.text
    assert done.json()["stock_level"]["on_hand"] == 8
    entry = done.json()["entry"]
    # Damaged units move from sellable to damaged.
    assert (entry["kind"], entry["reason"], entry["actor"]["kind"]) == (
        "damage",
        "damaged",
        "staff",
    )
    assert entry["actor"]["id"] and "request_id" not in entry
    again = await stack.http.post(
        f"/staff/v1/inventory/stores/{berlin}/adjustments", json=adjustment, headers=ben | key
    )
    assert again.json() == done.json()

    # Object level: Hamburg's associate cannot touch Berlin; a consultant cannot move stock.
    foreign = await stack.http.post(
        f"/staff/v1/inventory/stores/{berlin}/adjustments", json=adjustment, headers=hanna
    )
    assert foreign.status_code == 403
    assert foreign.headers["content-type"].startswith("application/problem+json")
    consultant = await stack.http.post(
        f"/staff/v1/inventory/stores/{berlin}/adjustments", json=adjustment, headers=cora
    )
    assert consultant.status_code == 403
    assert (
        await stack.http.get(f"/staff/v1/inventory/stores/{berlin}/stock", headers=hanna)
    ).status_code == 403

    transfer = await stack.http.post(
        f"/staff/v1/inventory/stores/{berlin}/transfers",
        json={"to_location_id": hamburg, "lines": [{"sku": "SHIRT", "quantity": 3}]},
        headers=ben,
    )
    assert transfer.status_code == 201, transfer.text
    transfer_id = transfer.json()["id"]
    assert (
        await stack.http.post(f"/staff/v1/inventory/transfers/{transfer_id}/ship", headers=hanna)
    ).status_code == 403
    shipped = await stack.http.post(
        f"/staff/v1/inventory/transfers/{transfer_id}/ship", headers=ben
    )
    assert shipped.json()["status"] == "in_transit"
    assert (
        await stack.http.post(f"/staff/v1/inventory/transfers/{transfer_id}/receive", headers=ben)
    ).status_code == 403
    received = await stack.http.post(
        f"/staff/v1/inventory/transfers/{transfer_id}/receive", headers=hanna
    )
    assert received.json()["status"] == "received"
    hamburg_stock = await stack.http.get(
        f"/staff/v1/inventory/stores/{hamburg}/stock", headers=hanna
    )
    assert hamburg_stock.json()["stock_levels"][0]["on_hand"] == 13

    # Bad input: a problem document naming the field, nothing moved.
    same = await stack.http.post(
        f"/staff/v1/inventory/stores/{berlin}/transfers",
        json={"to_location_id": berlin, "lines": [{"sku": "SHIRT", "quantity": 1}]},
        headers=ben,
    )
    assert same.status_code == 422
    assert same.json()["errors"][0]["field"] == "to_location_id"
    zero = await stack.http.post(
        f"/staff/v1/inventory/stores/{berlin}/adjustments",
        json={"sku": "SHIRT", "quantity_delta": 0, "reason": "lost"},
        headers=ben,
    )
    assert (zero.status_code, zero.json()["errors"][0]["field"]) == (422, "quantity_delta")
    unknown = await stack.http.post(
        f"/staff/v1/inventory/stores/{berlin}/adjustments",
        json={"sku": "NOPE", "quantity_delta": 1, "reason": "found"},
        headers=ben,
    )
    assert unknown.status_code == 404
    berlin_stock = await stack.http.get(f"/staff/v1/inventory/stores/{berlin}/stock", headers=ben)
    assert berlin_stock.json()["stock_levels"][0]["on_hand"] == 5


async def partners_read_their_share_and_frontends_see_availability(stack, berlin):
    partner_id, key = await stack.partner("shopmarket", ["inventory:read"])
    _, other_key = await stack.partner("othermarket", ["orders:read"])
    policy = await stack.http.put(
        f"/staff/v1/inventory/partners/{partner_id}/stock-policy",
        json={"share_percent": 50, "buffer_units": 1},
        headers=await stack.admin(),
    )
    assert policy.status_code == 200, policy.text
    assert (policy.json()["partner_id"], policy.json()["share_percent"]) == (partner_id, 50)

    feed = await stack.http.get("/partner/v1/inventory/feed", headers=key)
    assert feed.status_code == 200, feed.text
    # 5 shirts in Berlin and 13 in Hamburg after the staff moves: half of 18, less 1.
    assert [(i["sku"], i["available"], i["status"]) for i in feed.json()["items"]] == [
        ("SHIRT", 8, "in_stock")
    ]
    later = await stack.http.get(
        "/partner/v1/inventory/feed",
        params={"updated_since": "2099-01-01T00:00:00Z"},
        headers=key,
    )
    assert later.json().get("items", []) == []
    assert (
        await stack.http.get("/partner/v1/inventory/feed", headers=other_key)
    ).status_code == 403
    bad_page = await stack.http.get(
        "/partner/v1/inventory/feed", params={"page_token": "garbage"}, headers=key
    )
    assert bad_page.status_code == 400
    assert bad_page.json()["errors"][0]["field"] == "page_token"

    web = await stack.http.get("/api/v1/availability/SHIRT")
    assert web.status_code == 200, web.text
    assert (web.json()["available"], web.json()["status"]) == (18, "in_stock")
    assert web.json()["locations"][0]["distance_km"] is None
    near = await stack.http.get(
        "/api/v1/availability/SHIRT",
        params={"lat": 52.5, "lng": 10.0, "radius_km": 50, "click_and_collect": "true"},
    )
    assert [row["location_id"] for row in near.json()["locations"]] == [berlin]
    assert near.json()["locations"][0]["kind"] == "store"
    marketplace = await stack.http.get(
        "/api/v1/availability/SHIRT", headers={"X-Omni-Channel": "marketplace"}
    )
    assert marketplace.json()["available"] == 18  # no channel-wide marketplace policy
