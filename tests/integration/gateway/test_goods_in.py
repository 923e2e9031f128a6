"""Goods in and stock control through the gateway: receipts (a SKU's first units at a location
too), expected deliveries feeding available-to-promise, safety stock, cancelling a transfer, and
the ledger; each change once per Idempotency-Key, bad input refused naming the field."""

from __future__ import annotations

from typing import Any


async def location(stack, admin, code: str) -> str:
    created = await stack.http.post(
        "/staff/v1/locations",
        json={
            "code": code,
            "name": f"Store {code}",
            "kind": "store",
            "address": {"lines": ["Długa 2"], "city": "Gdańsk", "postal_code": "80-001"},
            "time_zone": "Europe/Warsaw",
            "flags": {"click_and_collect": True, "ships": True},
        },
        headers=admin,
    )
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def field_of(reply: Any) -> tuple[int, str]:
    assert reply.headers["content-type"].startswith("application/problem+json"), reply.text
    return reply.status_code, reply.json()["errors"][0]["field"]


async def test_goods_in_and_stock_control(stack):
    admin = await stack.admin()
    gda = await location(stack, admin, "GDA-01")
    gdy = await location(stack, admin, "GDY-01")
    ola = await stack.staff_member("ola", "associate", [gda])
    manager = await stack.staff_member("marek", "store_manager", [gda])
    await receipts_create_first_stock_once_per_key(stack, gda, gdy, ola)
    await expected_deliveries_feed_the_promise_and_can_be_cancelled(stack, gda, gdy, ola)
    await safety_stock_is_for_managers(stack, gda, ola, manager)
    await transfers_can_be_cancelled_before_they_ship(stack, gda, gdy, ola)
    await the_ledger_pages_oldest_first(stack, gda, ola)


async def receipts_create_first_stock_once_per_key(stack, gda, gdy, ola):
    path = f"/staff/v1/inventory/stores/{gda}/receipts"
    body = {
        "lines": [{"sku": "KETTLE", "quantity": 6}, {"sku": "TOASTER", "quantity": 2}],
        "reference": "WZ 2026/12/001",
        "note": "pallet 1",
    }
    key = {"Idempotency-Key": "receipt-001"}
    first = await stack.http.post(path, json=body, headers=ola | key)
    assert first.status_code == 201, first.text
    assert {(x["sku"], x["on_hand"], x["available"]) for x in first.json()["stock_levels"]} == {
        ("KETTLE", 6, 6),
        ("TOASTER", 2, 2),
    }
    again = await stack.http.post(path, json=body, headers=ola | key)
    assert (again.status_code, again.json()) == (201, first.json())
    assert again.headers["idempotent-replayed"] == "true"
    reused = await stack.http.post(path, json=body | {"reference": "WZ other"}, headers=ola | key)
    assert reused.status_code in (409, 422), reused.text
    stock = await stack.http.get(f"/staff/v1/inventory/stores/{gda}/stock", headers=ola)
    assert {(x["sku"], x["on_hand"]) for x in stock.json()["stock_levels"]} == {
        ("KETTLE", 6),
        ("TOASTER", 2),
    }

    bad = [
        ({"lines": [{"sku": "KETTLE", "quantity": 0}], "reference": "WZ 2"}, "lines[0].quantity"),
        ({"lines": [{"sku": "KETTLE", "quantity": 1}]}, "reference"),
        ({"lines": [], "reference": "WZ 2"}, "lines"),
        ({"lines": [{"sku": "", "quantity": 1}], "reference": "WZ 2"}, "lines[0].sku"),
        (
            {
                "lines": [{"sku": "KETTLE", "quantity": 1}],
                "reference": "WZ 2",
                "inbound_ids": ["x"],
            },
            "inbound_ids[0]",
        ),
    ]
    for wrong, field in bad:
        refused = await stack.http.post(path, json=wrong, headers=ola)
        assert field_of(refused)[1] == field, (wrong, refused.text)
    # The refused receipt with a wrong inbound id left no units behind.
    kettle = await stack.http.get(
        f"/staff/v1/inventory/stores/{gda}/skus/KETTLE/ledger", headers=ola
    )
    assert [e["quantity_delta"] for e in kettle.json()["entries"]] == [6]
    elsewhere = await stack.http.post(
        f"/staff/v1/inventory/stores/{gdy}/receipts", json=body, headers=ola
    )
    assert elsewhere.status_code == 403


async def expected_deliveries_feed_the_promise_and_can_be_cancelled(stack, gda, gdy, ola):
    path = f"/staff/v1/inventory/stores/{gda}/inbound"
    expected = {
        "sku": "KETTLE",
        "quantity": 10,
        "expected_at": "2026-12-20T08:00:00Z",
        "reference": "PO-7781",
    }
    recorded = await stack.http.post(path, json=expected, headers=ola | {"Idempotency-Key": "po"})
    assert recorded.status_code == 201, recorded.text
    inbound = recorded.json()
    assert (inbound["status"], inbound["source"], inbound["reference"]) == (
        "expected",
        "purchase_order",
        "PO-7781",
    )
    replay = await stack.http.post(path, json=expected, headers=ola | {"Idempotency-Key": "po"})
    assert replay.json()["id"] == inbound["id"]
    later = await stack.http.post(
        path,
        json=expected | {"quantity": 4, "expected_at": "2026-12-28T08:00:00Z", "reference": "PO-2"},
        headers=ola,
    )
    assert later.status_code == 201

    promise = await stack.http.get("/api/v1/availability/KETTLE")
    assert (promise.json()["inbound"], promise.json()["next_inbound_at"]) == (
        14,
        "2026-12-20T08:00:00Z",
    )
    listed = await stack.http.get(path, params={"status": "expected"}, headers=ola)
    assert [x["quantity"] for x in listed.json()["inbound"]] == [10, 4]

    cancel = f"{path}/{inbound['id']}/cancel"
    assert (
        await stack.http.post(
            f"/staff/v1/inventory/stores/{gdy}/inbound/{inbound['id']}/cancel", headers=ola
        )
    ).status_code == 403
    cancelled = await stack.http.post(cancel, json={"reason": "supplier out"}, headers=ola)
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")
    promise = await stack.http.get("/api/v1/availability/KETTLE")
    assert (promise.json()["inbound"], promise.json()["next_inbound_at"]) == (
        4,
        "2026-12-28T08:00:00Z",
    )
    twice = await stack.http.post(cancel, headers=ola)
    assert twice.status_code == 409
    unknown = await stack.http.post(f"{path}/inb_nope/cancel", headers=ola)
    assert field_of(unknown) == (404, "inbound_id")

    # Receiving the rest against its inbound record closes it.
    received = await stack.http.post(
        f"/staff/v1/inventory/stores/{gda}/receipts",
        json={
            "lines": [{"sku": "KETTLE", "quantity": 4}],
            "reference": "PO-2",
            "inbound_ids": [later.json()["id"]],
        },
        headers=ola,
    )
    assert received.status_code == 201, received.text
    level = received.json()["stock_levels"][0]
    assert (level["on_hand"], level["inbound"], level["next_inbound_at"]) == (10, 0, None)
    for wrong, field in [
        (expected | {"expected_at": "2026-12-20T08:00:00"}, "expected_at"),
        (expected | {"quantity": 0}, "quantity"),
        (expected | {"reference": ""}, "reference"),
    ]:
        refused = await stack.http.post(path, json=wrong, headers=ola)
        assert field_of(refused) == (422, field), refused.text


async def safety_stock_is_for_managers(stack, gda, ola, manager):
    path = f"/staff/v1/inventory/stores/{gda}/skus/KETTLE/safety-stock"
    assert (await stack.http.put(path, json={"safety_stock": 3}, headers=ola)).status_code == 403
    set_ = await stack.http.put(
        path, json={"safety_stock": 3, "low_stock_threshold": 5}, headers=manager
    )
    assert set_.status_code == 200, set_.text
    level = set_.json()
    assert (level["on_hand"], level["safety_stock"], level["available"]) == (10, 3, 7)
    assert level["low_stock_threshold"] == 5
    negative = await stack.http.put(path, json={"safety_stock": -1}, headers=manager)
    assert field_of(negative) == (422, "safety_stock")
    # A SKU with no stock here yet gets a level holding its safety stock.
    new = await stack.http.put(
        f"/staff/v1/inventory/stores/{gda}/skus/BLENDER/safety-stock",
        json={"safety_stock": 1},
        headers=manager,
    )
    assert (new.status_code, new.json()["on_hand"], new.json()["safety_stock"]) == (200, 0, 1)


async def transfers_can_be_cancelled_before_they_ship(stack, gda, gdy, ola):
    created = await stack.http.post(
        f"/staff/v1/inventory/stores/{gda}/transfers",
        json={"to_location_id": gdy, "lines": [{"sku": "TOASTER", "quantity": 1}]},
        headers=ola,
    )
    assert created.status_code == 201, created.text
    cancel = f"/staff/v1/inventory/transfers/{created.json()['id']}/cancel"
    key = {"Idempotency-Key": "cancel-1"}
    cancelled = await stack.http.post(cancel, json={"reason": "not needed"}, headers=ola | key)
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")
    again = await stack.http.post(cancel, json={"reason": "not needed"}, headers=ola | key)
    assert (again.status_code, again.json()) == (200, cancelled.json())
    assert again.headers["idempotent-replayed"] == "true"
    fresh = await stack.http.post(cancel, headers=ola)
    assert fresh.status_code == 409
    ship = await stack.http.post(
        f"/staff/v1/inventory/transfers/{created.json()['id']}/ship", headers=ola
    )
    assert ship.status_code == 409
    gdy_staff = await stack.staff_member("gosia", "associate", [gdy])
    assert (await stack.http.post(cancel, headers=gdy_staff)).status_code == 403


async def the_ledger_pages_oldest_first(stack, gda, ola):
    path = f"/staff/v1/inventory/stores/{gda}/skus/KETTLE/ledger"
    walked: list[tuple[str, int, str]] = []
    token = None
    while True:
        params: dict[str, Any] = {"page_size": 1}
        if token:
            params["page_token"] = token
        page = await stack.http.get(path, params=params, headers=ola)
        assert page.status_code == 200, page.text
        walked += [(e["kind"], e["quantity_delta"], e["reference"]) for e in page.json()["entries"]]
        token = page.json()["next_page_token"]
        if token is None:
            break
    assert walked == [("receipt", 6, "WZ 2026/12/001"), ("receipt", 4, "PO-2")]
    first = (await stack.http.get(path, headers=ola)).json()["entries"][0]
    assert (first["actor"]["kind"], first["note"]) == ("staff", "pallet 1")
    bad_token = await stack.http.get(path, params={"page_token": "garbage"}, headers=ola)
    assert bad_token.status_code == 400
