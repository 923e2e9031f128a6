"""Store staff cancel only their stores' orders (a foreign store's is a 403 problem), and no
staff view of an order shows its pickup code: the customer shows it at the hand-over."""

from __future__ import annotations

from test_orders import cart_with_tee, seed
from test_staff_orders import place


async def test_store_staff_cancel_only_their_stores_orders_and_never_see_pickup_codes(stack):
    seeded = await seed(stack)
    mitte, xberg = seeded["MITTE"], seeded["XBERG"]
    at_mitte = await stack.staff_member("mia.mitte", "store_manager", [mitte])
    at_xberg = await stack.staff_member("xaver.xberg", "store_manager", [xberg])
    anna, _ = await stack.customer("anna@example.com")
    app = {"X-Omni-Channel": "app"}
    order = await place(
        stack,
        anna | app,
        {
            "cart_id": (await cart_with_tee(stack, anna | app))["id"],
            "delivery": {"mode": "click_and_collect", "pickup_location_id": mitte},
            "payment_method": "pay_in_store",
        },
    )
    order_url = f"/staff/v1/orders/{order['id']}"

    ready = await stack.http.post(f"{order_url}/ready-for-pickup", headers=at_mitte)
    assert ready.status_code == 200, ready.text
    assert ready.json()["status"] == "ready_for_pickup"
    assert ready.json()["pickup"]["deadline"]
    assert ready.json()["pickup"]["code"] is None
    assert (await stack.http.get(order_url, headers=at_mitte)).json()["pickup"]["code"] is None
    board = await stack.http.get(f"/staff/v1/stores/{mitte}/pickups", headers=at_mitte)
    assert [o["pickup"]["code"] for o in board.json()["orders"]] == [None]
    admin_list = await stack.http.get("/staff/v1/orders", headers=await stack.admin())
    assert all(
        o["pickup"] is None or o["pickup"]["code"] is None for o in admin_list.json()["orders"]
    )
    code = (await stack.http.get(f"/api/v1/orders/{order['id']}", headers=anna)).json()["pickup"][
        "code"
    ]
    assert code

    cancel = {"note": "customer called"}
    foreign = await stack.http.post(f"{order_url}/cancel", json=cancel, headers=at_xberg)
    assert foreign.status_code == 403, foreign.text
    assert foreign.headers["content-type"].startswith("application/problem+json")
    assert "none of your stores" in foreign.json()["detail"]
    untouched = await stack.http.get(order_url, headers=at_mitte)
    assert untouched.json()["status"] == "ready_for_pickup"

    cancelled = await stack.http.post(f"{order_url}/cancel", json=cancel, headers=at_mitte)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
