"""CashBill through the gateway, from checkout to money back: the customer pays on CashBill's
page, staff cancel a line, the refund waits for staff (CashBill has no refund API), staff make it
in CashBill's panel and record it; only store managers, consultants and admins may."""

from __future__ import annotations

import pytest
from fakes.payment_fakes import follow
from test_orders import cart_with_tee, home_delivery, seed
from test_payment_hooks import fake, gateway_port, gateway_settings, poll, service_settings

__all__ = ["fake", "gateway_port", "gateway_settings", "service_settings"]  # fixtures used here


@pytest.fixture
def provider() -> str:
    return "cashbill"


@pytest.mark.timeout(240)
async def test_a_cashbill_refund_is_a_staff_task_staff_complete(stack, fake):
    await seed(stack)
    customer, _ = await stack.customer("cashbill-refund@example.com")
    cart = await cart_with_tee(stack, customer, quantity=2)
    placed = await stack.http.post(
        "/api/v1/orders",
        json=home_delivery(cart["id"]) | {"payment_token": ""},
        headers=customer | {"Idempotency-Key": "cb-refund"},
    )
    assert placed.status_code == 202, placed.text
    order_id = placed.json()["id"]
    action = placed.json()["payments"][0]["next_action"]
    await follow(fake.base, action["url"], action["http_method"], action["form_fields"])
    assert (await poll(stack, customer, order_id, "confirmed"))["status"] == "confirmed"

    admin = await stack.admin()
    line = placed.json()["lines"][0]["line_id"]
    cancelled = await stack.http.post(
        f"/staff/v1/orders/{order_id}/cancel",
        json={"lines": [{"line_id": line, "quantity": 1}]},
        headers=admin,
    )
    assert cancelled.status_code == 200, cancelled.text
    [refund] = cancelled.json()["payments"][0]["refunds"]
    assert refund["status"] == "pending" and "provider's panel" in refund["reason"]
    assert cancelled.json()["totals"]["refunded"]["amount_minor"] == 0

    made = await stack.http.post(
        f"/staff/v1/orders/{order_id}/refunds/{refund['id']}/completed",
        json={"provider_ref": "CB-77", "note": "done in the panel"},
        headers=admin,
    )
    assert made.status_code == 200, made.text
    payment = made.json()["payments"][0]
    assert payment["refunds"][0]["status"] == "succeeded"
    assert payment["refunded_amount"]["amount_minor"] == 1500
    assert made.json()["totals"]["refunded"]["amount_minor"] == 1500
    unknown = await stack.http.post(
        f"/staff/v1/orders/{order_id}/refunds/rf_none/completed", json={}, headers=admin
    )
    assert unknown.status_code == 404, unknown.text
    mine = (await stack.http.get(f"/api/v1/orders/{order_id}", headers=customer)).json()
    assert mine["payments"][0]["refunded_amount"]["amount_minor"] == 1500
