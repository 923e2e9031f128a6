"""Offline card limits set by staff at the centre reach the node with the answer to its report;
with the link SIGKILLed, card sales past the per-sale cap or the stored total are refused while
cash sells on, a gift card is refused, the switch to offline names the staff member, and what
was sold reaches the centre once the link is back."""

from __future__ import annotations

import uuid

import httpx
import pytest
from conftest import STORE_ID
from store_node_stack import Gateway, StoreNode, StoreStack, wait_until

LIMITS = {
    "card_sale_cap": {"amount_minor": 3000, "currency": "EUR"},
    "card_stored_cap": {"amount_minor": 5000, "currency": "EUR"},
    "card_max_age_seconds": 3600,
}


async def sell(
    http: httpx.AsyncClient, node: StoreNode, tender: str, quantity: int, **extra: object
):
    body = extra | {
        "sale_id": str(uuid.uuid4()),
        "till_id": "till-1",
        "staff_id": "staff-olena",
        "tender": tender,
        "lines": [{"sku": "TEE-M", "quantity": quantity}],  # 19.99 each
    }
    return await http.post(f"http://127.0.0.1:{node.port}/pos/v1/sales", json=body)


@pytest.mark.timeout(600)
async def test_staff_limits_cap_card_sales_offline_while_cash_sells(
    store_stack: StoreStack, centre_gateway: Gateway
):
    http, node = store_stack.http, store_stack.node
    manager, associate = await centre_gateway.store_team(http, STORE_ID)
    url = f"{centre_gateway.base}/staff/v1/stores/{STORE_ID}/node/limits"
    assert (await http.put(url, json=LIMITS, headers=associate)).status_code == 403
    wrong = await http.put(url, json=LIMITS | {"card_max_age_seconds": -1}, headers=manager)
    assert wrong.status_code == 422, wrong.text
    assert wrong.json()["errors"][0]["field"] == "card_max_age_seconds"
    saved = await http.put(url, json=LIMITS, headers=manager)
    assert saved.status_code == 200, saved.text
    assert saved.json() == LIMITS

    async def node_has_them() -> bool:
        # And is online: the limits come with the report a reconnect sends before it reloads the
        # prices and counts the link as up, and a kill in between would make a later sale the
        # one that finds the link down.
        status = await node.status(http)
        limits = status["card_limits"]
        return status["online"] and (limits["sale_cap_minor"], limits["stored_cap_minor"]) == (
            3000,
            5000,
        )

    await wait_until(node_has_them, 60, lambda: node.log.read_text()[-2000:])

    store_stack.link.kill()
    # The first sale finds the link down (its forward fails): the switch is logged with it.
    found_down = await sell(http, node, "cash", 1)
    assert found_down.status_code == 201 and found_down.json()["offline"]
    over_one_sale = await sell(http, node, "card", 2)  # 39.98 > 30.00
    assert over_one_sale.status_code == 409, over_one_sale.text
    assert over_one_sale.json()["field"] == "tender"
    kept = [await sell(http, node, "card", 1), await sell(http, node, "card", 1)]  # 39.98 stored
    assert [r.status_code for r in kept] == [201, 201]
    assert all(r.json()["offline"] for r in kept)
    over_stored = await sell(http, node, "card", 1)  # 59.97 > 50.00
    assert over_stored.status_code == 409 and "would exceed 5000" in over_stored.json()["detail"]
    gift = await sell(http, node, "gift_card", 1)
    assert gift.status_code == 409 and gift.json()["field"] == "tender"
    cash = await sell(http, node, "cash", 10)
    assert cash.status_code == 201 and cash.json()["offline"]

    switches = (await http.get(f"http://127.0.0.1:{node.port}/pos/v1/offline-switches")).json()
    assert [(s["staff_id"], s["first_sale_id"]) for s in switches][-1] == (
        "staff-olena",
        found_down.json()["sale_id"],
    )

    store_stack.link.start()

    async def drained() -> bool:
        status = await node.status(http)
        return status["online"] and status["sales_waiting"] == 0

    await wait_until(drained, 300, lambda: node.log.read_text()[-3000:])
    at_centre = {sale["store_sale_id"] for sale in await store_stack.centre.sales()}
    assert at_centre == {r.json()["sale_id"] for r in [found_down, *kept, cash]}


@pytest.mark.timeout(600)
async def test_a_stored_card_declined_at_forwarding_raises_one_payment_due(
    store_stack: StoreStack, centre_gateway: Gateway
):
    http, node = store_stack.http, store_stack.node
    staff = await centre_gateway.staff_member(http, "olena", "associate", [STORE_ID])
    store_stack.link.kill()
    customer = {"name": "Iryna", "email": "iryna@example.com", "phone": "+48111222333"}
    declined = await sell(
        http, node, "card", 1, card_token="tok_decline_offline", customer=customer
    )
    approved = await sell(http, node, "card", 1, card_token="tok_visa", customer=customer)
    assert [declined.status_code, approved.status_code] == [201, 201], declined.text
    no_contact = await sell(http, node, "card", 1, card_token="tok_visa")
    assert no_contact.status_code == 422 and no_contact.json()["field"] == "customer"

    async def drained() -> bool:
        status = await node.status(http)
        return status["online"] and status["sales_waiting"] == 0

    async def payments_due() -> list[dict]:
        reply = await http.get(
            f"{centre_gateway.base}/staff/v1/stores/{STORE_ID}/payments-due", headers=staff
        )
        assert reply.status_code == 200, reply.text
        return reply.json()["payments_due"]

    store_stack.link.start()
    await wait_until(drained, 300, lambda: node.log.read_text()[-3000:])
    [due] = await payments_due()
    assert due["sale_id"] == declined.json()["sale_id"]
    assert due["customer"] == customer
    assert due["amount"] == {"amount_minor": 1999, "currency": "EUR"} and due["reason"]

    # The whole journal sent again (the node killed, every sale waiting again): still one.
    node.kill()
    node.forget_progress()
    node.start()
    await wait_until(lambda: node.ready(http), 240, lambda: node.log.read_text()[-2000:])
    await wait_until(drained, 300, lambda: node.log.read_text()[-3000:])
    assert [d["sale_id"] for d in await payments_due()] == [declined.json()["sale_id"]]
    assert len(await store_stack.centre.sales()) == 2
