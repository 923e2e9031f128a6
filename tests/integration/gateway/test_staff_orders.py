"""The staff order list: admins find any order by number, customer, channel, status, store and
date, page through them either way; associates see their stores' orders only; a bad page size or token and an over-long value are
a 400 naming the parameter, a value that means nothing valid a 422."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from test_orders import cart_with_tee, home_delivery, seed


async def place(stack, headers, body) -> dict:
    placed = await stack.http.post(
        "/api/v1/orders", json=body, headers=headers | {"Idempotency-Key": body["cart_id"]}
    )
    assert placed.status_code == 201, placed.text
    return placed.json()


async def listed(stack, headers, **params) -> list[str]:
    reply = await stack.http.get("/staff/v1/orders", params=params, headers=headers)
    assert reply.status_code == 200, reply.text
    return [order["id"] for order in reply.json()["orders"]]


async def test_staff_find_orders_by_every_filter_and_associates_only_their_stores(stack):
    seeded = await seed(stack)
    mitte, xberg = seeded["MITTE"], seeded["XBERG"]
    admin = await stack.admin()
    made = await stack.http.post(
        "/staff/v1/users",
        json={
            "username": "ola.mitte",
            "password": "long-password-1",
            "role": "associate",
            "store_ids": [mitte],
        },
        headers=admin,
    )
    assert made.status_code == 201, made.text
    at_mitte = await stack.staff_login("ola.mitte", "long-password-1")

    anna, _ = await stack.customer("anna@example.com")
    bob, _ = await stack.customer("bob@example.com")
    web, app = {"X-Omni-Channel": "web"}, {"X-Omni-Channel": "app"}
    first = await place(stack, anna | web, home_delivery((await cart_with_tee(stack, anna))["id"]))
    second = await place(
        stack, anna | web, home_delivery((await cart_with_tee(stack, anna | web))["id"])
    )
    pickup = {"mode": "click_and_collect", "pickup_location_id": mitte}
    bobs_cart = await cart_with_tee(stack, bob | app)
    at_store = await place(
        stack,
        bob | app,
        {"cart_id": bobs_cart["id"], "delivery": pickup, "payment_method": "pay_in_store"},
    )
    newest = [at_store["id"], second["id"], first["id"]]

    assert await listed(stack, admin) == newest
    assert await listed(stack, admin, channel="app") == [at_store["id"]]
    assert await listed(stack, admin, customer_id=first["customer_id"]) == newest[1:]
    assert await listed(stack, admin, status=["confirmed"]) == newest
    assert await listed(stack, admin, status=["cancelled", "returned"]) == []
    assert await listed(stack, admin, store_id=[mitte]) == [at_store["id"]]
    assert await listed(stack, admin, store_id=[xberg]) == []
    assert await listed(stack, admin, number=second["number"]) == [second["id"]]
    today = datetime.now(UTC).date()
    assert await listed(stack, admin, **{"from": str(today), "to": str(today)}) == newest
    tomorrow = str(today + timedelta(days=1))
    assert await listed(stack, admin, **{"from": tomorrow}) == []
    oldest = await listed(stack, admin, sort="oldest", **{"from": str(today)})
    assert oldest == newest[::-1]

    pages, token = [], ""
    while True:
        params = {"page_size": 2} | ({"page_token": token} if token else {})
        reply = (await stack.http.get("/staff/v1/orders", params=params, headers=admin)).json()
        pages.append([order["id"] for order in reply["orders"]])
        token = reply["next_page_token"]
        if not token:
            break
    assert pages == [newest[:2], newest[2:]]

    # An associate sees the orders of their store, and is refused another store's.
    assert await listed(stack, at_mitte) == [at_store["id"]]
    assert await listed(stack, at_mitte, status=["confirmed"]) == [at_store["id"]]
    other = await stack.http.get("/staff/v1/orders", params={"store_id": xberg}, headers=at_mitte)
    assert other.status_code == 403, other.text

    for params, field, status in [
        ({"page_size": 500}, "page_size", 400),
        ({"page_token": "garbage"}, "page_token", 400),
        ({"page_token": "x" * 600}, "page_token", 400),
        ({"number": "1" * 41}, "number", 400),
        ({"customer_id": "c" * 101}, "customer_id", 400),
        ({"store_id": [f"s{i}" for i in range(21)]}, "store_id", 400),
        ({"status": "lost"}, "status", 422),
        ({"sort": "oldest"}, "from", 422),
        ({"from": str(today), "to": str(today - timedelta(days=1))}, "to", 422),
    ]:
        bad = await stack.http.get("/staff/v1/orders", params=params, headers=admin)
        assert bad.status_code == status, (params, bad.text)
        assert bad.json()["errors"][0]["field"] == field, (params, bad.text)
    customer_token = await stack.http.get("/staff/v1/orders", headers=anna)
    assert customer_token.status_code == 401
