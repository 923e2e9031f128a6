"""Demo data (`omni demo load`, and `make dev` at start), loaded through the gateway's own API
as a retailer would load theirs, from the files in demo_data/:

- locations.json: three stores in two cities (Berlin, Hamburg) and a warehouse (Leipzig), made
  with POST /staff/v1/locations;
- products.csv: 50 products with their variants, prices on every channel but marketplaces and
  stock at every location, imported through POST /staff/v1/imports/products (written by
  scripts/demo_data.py);
- customers.json: customers who sign up in the shop and place click & collect orders through
  the shop API, which staff then take to the state each order names (confirmed, ready for
  pickup, collected, cancelled).

Loading twice changes nothing: a location whose code is taken is left as it is, the import
finds every row unchanged, a customer who can sign in is not registered again, and an order is
found by its reference (its note) before one is placed.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx

from omni_ops.bulk import GatewayError, StaffClient, answer

DATA = Path(__file__).with_name("demo_data")
CUSTOMER_PASSWORD = "Omni demo shopper 2026"  # noqa: S105 - demo customers, printed in the docs
PROGRESS = ("confirmed", "ready_for_pickup", "collected")
SETTLE_SECONDS = 120


def load(staff: StaffClient) -> dict[str, Any]:
    """Load it (what exists is left as it is); what the demo data is, and the import's job."""
    locations = json.loads((DATA / "locations.json").read_text())
    ids = {body["code"]: _location(staff, body) for body in locations}
    # Opening stock: the units the demo orders took are not put back by a second load.
    job = staff.import_file(DATA / "products.csv", "csv", stock="opening")
    if job["state"] != "done" or job["failed"]:
        problems = job["error"] or staff.errors(job["id"], 5)
        raise GatewayError(f"the demo import {job['id']} did not apply cleanly: {problems}")
    orders: dict[str, str] = {}
    customers = json.loads((DATA / "customers.json").read_text())
    for customer in customers:
        with httpx.Client(base_url=staff.http.base_url, timeout=60) as shop:
            _sign_in(shop, customer)
            for plan in customer["orders"]:
                orders[plan["ref"]] = _order(staff, shop, plan, ids)
    return {
        "locations": list(ids),
        "products": {k: job[k] for k in ("rows_total", "created", "updated", "unchanged")},
        "customers": [c["email"] for c in customers],
        "orders": orders,
    }


def _location(staff: StaffClient, body: dict[str, Any]) -> str:
    reply = staff.http.post("/staff/v1/locations", json=body)
    if reply.status_code == 409:  # the code is taken: loaded before, left as it is
        found = staff.request("GET", "/staff/v1/locations", params={"page_size": 200})
        return next(x["id"] for x in found["locations"] if x["code"] == body["code"])
    if reply.status_code != 201:
        raise GatewayError(f"location {body['code']}: {reply.status_code} {reply.text}")
    return str(reply.json()["id"])


def _sign_in(shop: httpx.Client, customer: dict[str, Any]) -> None:
    """The customer's session on `shop`: signed in, or signed up the first time."""
    credentials = {"email": customer["email"], "password": CUSTOMER_PASSWORD}
    reply = shop.post("/api/v1/auth/token", json=credentials)
    if reply.status_code == 401:
        body = credentials | {"display_name": customer["display_name"]}
        reply = shop.post("/api/v1/auth/register", json=body)
    shop.headers["Authorization"] = f"Bearer {answer(reply)['access_token']}"


def _order(
    staff: StaffClient, shop: httpx.Client, plan: dict[str, Any], ids: dict[str, str]
) -> str:
    """The planned order, placed once, taken to the state the plan names; its state."""
    channel = {"X-Omni-Channel": plan["channel"]}
    mine = answer(shop.get("/api/v1/orders", params={"page_size": 100}, headers=channel))
    order = next((o for o in mine["orders"] if o.get("note") == plan["ref"]), None)
    if order is None:
        cart = answer(shop.get("/api/v1/carts/current", headers=channel))
        for line in plan["lines"]:
            answer(shop.post(f"/api/v1/carts/{cart['id']}/lines", json=line, headers=channel))
        placed = shop.post(
            "/api/v1/orders",
            json={
                "cart_id": cart["id"],
                "delivery": {
                    "mode": "click_and_collect",
                    "pickup_location_id": ids[plan["pickup_at"]],
                },
                "payment_method": "pay_in_store",
                "note": plan["ref"],
            },
            headers=channel | {"Idempotency-Key": plan["ref"]},
        )
        order = answer(placed)
    order = _settled(shop, order, channel)
    status = str(order["status"])
    if plan["until"] == "cancelled":
        if status == "confirmed":
            cancel = shop.post(f"/api/v1/orders/{order['id']}/cancel", json={}, headers=channel)
            status = answer(cancel)["status"]
        return status
    while status in PROGRESS and PROGRESS.index(status) < PROGRESS.index(plan["until"]):
        order = _advance(staff, shop, order, channel)
        status = order["status"]
    return status


def _settled(shop: httpx.Client, order: dict[str, Any], channel: dict[str, str]) -> Any:
    """The order once placing it has finished (a busy order service answers 202 pending)."""
    deadline = time.monotonic() + SETTLE_SECONDS
    while order["status"] == "pending" and time.monotonic() < deadline:
        time.sleep(0.5)
        order = answer(shop.get(f"/api/v1/orders/{order['id']}", headers=channel))
    return order


def _advance(
    staff: StaffClient, shop: httpx.Client, order: dict[str, Any], channel: dict[str, str]
) -> dict[str, Any]:
    path = f"/staff/v1/orders/{order['id']}"
    if order["status"] == "confirmed":
        return dict(staff.request("POST", f"{path}/ready-for-pickup"))
    # The customer shows the code at the counter (staff views leave it out).
    mine = answer(shop.get(f"/api/v1/orders/{order['id']}", headers=channel))
    code = mine["pickup"]["code"]
    return dict(staff.request("POST", f"{path}/collected", json={"pickup_code": code}))
