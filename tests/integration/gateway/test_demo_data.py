"""`omni demo load` (what `make dev` runs at start) against the real stack, as a subprocess:
the demo store network, catalog, stock, customers and orders arrive through the gateway's API,
a second load changes nothing, and a person finds what the demo promises: a category page in
the shop, stock at a store, pickup points in a city, a customer's orders in several states."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

OMNI = str(Path(sys.executable).with_name("omni"))
STATES = {
    "demo-anna-1": "collected",
    "demo-anna-2": "ready_for_pickup",
    "demo-ben-1": "confirmed",
    "demo-chloe-1": "cancelled",
    "demo-chloe-2": "collected",
}


async def demo_load(stack) -> dict:
    env = {"OMNI_GATEWAY_URL": stack.base, "OMNI_ADMIN_PASSWORD": stack.admin_password}

    def call() -> subprocess.CompletedProcess:
        return subprocess.run(
            [OMNI, "demo", "load", "--json"],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )

    result = await asyncio.to_thread(call)
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout)["loaded"])


@pytest.mark.timeout(600)
async def test_the_demo_data_loads_once_and_shows_a_store_network_to_explore(stack):
    first = await demo_load(stack)
    assert first["locations"] == ["BER-01", "BER-02", "HAM-01", "WH-LEJ"]
    assert first["products"]["created"] == first["products"]["rows_total"] >= 100
    assert first["orders"] == STATES
    again = await demo_load(stack)
    assert again["products"] == {
        "rows_total": first["products"]["rows_total"],
        "created": 0,
        "updated": 0,
        "unchanged": first["products"]["rows_total"],
    }
    assert again["orders"] == STATES

    admin = await stack.admin()
    stores = (await stack.http.get("/staff/v1/locations", headers=admin)).json()["locations"]
    assert len(stores) == 4  # loading twice made no second location
    by_code = {x["code"]: x for x in stores}
    assert {x["address"]["city"] for x in stores if x["kind"] == "store"} == {"Berlin", "Hamburg"}

    web = {"X-Omni-Channel": "web"}
    tree = await stack.http.get(
        "/api/v1/catalog/categories", params={"page_size": 100}, headers=web
    )
    dresses = next(c for c in tree.json()["items"] if c["path"] == "/women/dresses")
    page = await stack.http.get(
        "/api/v1/catalog/products", params={"category": dresses["id"]}, headers=web
    )
    items = page.json()["items"]
    assert len(items) == 7, page.text  # one dress of each style
    assert all(i["listing"]["price"]["currency"] == "EUR" for i in items)
    products = (await stack.http.get("/api/v1/catalog/products", headers=web)).json()
    assert products["items"], products
    pos = await stack.http.get(
        "/api/v1/catalog/products",
        params={"category": dresses["id"]},
        headers={"X-Omni-Channel": "pos"},
    )
    assert len(pos.json()["items"]) == 7  # priced on the store channel too

    hamburg = by_code["HAM-01"]["id"]
    stock = await stack.http.get(
        f"/staff/v1/inventory/stores/{hamburg}/stock", params={"page_size": 200}, headers=admin
    )
    levels = stock.json()["stock_levels"]
    assert len(levels) == first["products"]["rows_total"]  # every SKU is stocked there
    assert len([x for x in levels if x["on_hand"] >= 1]) >= len(levels) - 2  # less what sold
    points = await stack.http.get(
        "/api/v1/pickup-points", params={"city": "Berlin", "sku": "ALBA-DRESS-S"}, headers=web
    )
    found = {p["location"]["code"]: p["in_stock"] for p in points.json()["pickup_points"]}
    assert found == {"BER-01": True, "BER-02": True}, points.text

    anna = await stack.http.post(
        "/api/v1/auth/token",
        json={"email": "anna.schmidt@example.com", "password": "Omni demo shopper 2026"},
    )
    assert anna.status_code == 200, anna.text
    mine = await stack.http.get(
        "/api/v1/orders", headers={"Authorization": f"Bearer {anna.json()['access_token']}"}
    )
    assert sorted(o["status"] for o in mine.json()["orders"]) == [
        "collected",
        "ready_for_pickup",
    ]
    pickups = await stack.http.get(
        f"/staff/v1/stores/{by_code['BER-02']['id']}/pickups", headers=admin
    )
    assert [o["note"] for o in pickups.json()["orders"]] == ["demo-anna-2"], pickups.text
