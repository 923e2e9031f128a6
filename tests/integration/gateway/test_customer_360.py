"""Staff see one customer across channels: the 360° view lists orders placed on web and app."""

from __future__ import annotations

from test_orders import check_out_tee, seed


async def test_the_360_view_shows_orders_from_every_channel(stack):
    await seed(stack)
    customer, _ = await stack.customer("three-sixty@example.com")
    placed = []
    for channel in ("web", "app"):
        headers = customer | {"X-Omni-Channel": channel}
        reply = await check_out_tee(stack, headers, f"360-{channel}")
        placed.append(reply.json()["id"])

    me = (await stack.http.get("/api/v1/me", headers=customer)).json()
    admin = await stack.admin()
    view = await stack.http.get(f"/staff/v1/customers/{me['id']}", headers=admin)
    assert view.status_code == 200, view.text
    orders = view.json()["orders"]
    assert sorted(o["id"] for o in orders) == sorted(placed)
    assert {o["channel"] for o in orders} == {"web", "app"}
