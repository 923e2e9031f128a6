"""Orders follow their customer through profile merges, through the real gateway, services and
NATS: an order placed before the address was proven is the customer's after proving it (the
account moved to the profile that held the address), a staff merge moves the merged profile's
orders to the survivor, and undoing it moves exactly those back."""

from __future__ import annotations

import asyncio
import time

from test_account_lifecycle import till_profile
from test_orders import check_out_tee, seed


async def order_ids(stack, headers: dict[str, str]) -> set[str]:
    reply = await stack.http.get("/api/v1/orders", headers=headers)
    assert reply.status_code == 200, reply.text
    return {order["id"] for order in reply.json()["orders"]}


async def eventually_owned(stack, headers: dict[str, str], wanted: set[str]) -> None:
    """The orders move when the order service consumes the merge event: wait for it."""
    deadline = time.monotonic() + 30
    while (found := await order_ids(stack, headers)) != wanted:
        assert time.monotonic() < deadline, f"orders {found}, expected {wanted}"
        await asyncio.sleep(0.3)


async def test_orders_move_with_merges_and_back_with_their_undo(stack):
    await seed(stack)

    # Registered, not yet proven, orders at once; then proves the address a till profile holds.
    email = "olga@example.com"
    till_id = await till_profile(stack, email)
    unproven, session = await stack.customer(email, verified=False)
    early = (await check_out_tee(stack, unproven, "olga-1")).json()
    assert early["customer_id"] == session["subject"] != till_id
    proven = await stack.verify(email, session)
    olga = {"Authorization": f"Bearer {proven['access_token']}"}
    assert proven["subject"] == till_id
    await eventually_owned(stack, olga, {early["id"]})
    mine = await stack.http.get(f"/api/v1/orders/{early['id']}", headers=olga)
    assert mine.status_code == 200 and mine.json()["customer_id"] == till_id

    # Staff merge a duplicate into her profile, then undo it.
    twin, twin_session = await stack.customer("olga.twin@example.com")
    twins = (await check_out_tee(stack, twin, "twin-1")).json()
    staff = await stack.admin()
    merged = await stack.http.post(
        "/staff/v1/customers/merges",
        json={
            "survivor_id": till_id,
            "merged_id": twin_session["subject"],
            "reason": "same person",
        },
        headers=staff,
    )
    assert merged.status_code == 201, merged.text
    await eventually_owned(stack, olga, {early["id"], twins["id"]})
    later = (await check_out_tee(stack, olga, "olga-2")).json()  # placed on the survivor

    undone = await stack.http.post(
        f"/staff/v1/customers/merges/{merged.json()['merge']['id']}/undo",
        json={"reason": "two people after all"},
        headers=staff,
    )
    assert undone.status_code == 200, undone.text
    await eventually_owned(stack, olga, {early["id"], later["id"]})
    back = await stack.http.get(f"/staff/v1/orders/{twins['id']}", headers=staff)
    assert back.status_code == 200, back.text
    assert back.json()["customer_id"] == twin_session["subject"]
