"""The shop flow a retailer goes live with, end to end through the gateway against the
providers' fakes: pay by Stripe, LiqPay or CashBill (following the provider's redirect), deliver
by Nova Poshta to a branch (the waybill made at fulfilment, tracking to delivered), then a
return and the money back: through the provider where it refunds, as a staff task where it
cannot (CashBill)."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal

import httpx
import pytest
from fakes.nova_poshta_fake import LVIV
from fakes.payment_fakes import follow
from test_carrier_delivery import nova_poshta, nova_poshta_settings, seed_kyiv_store, until_status
from test_payment_hooks import (
    CARDS,
    fake,
    gateway_port,
    gateway_settings,
    payment_settings,
    poll,
    provider,
)

__all__ = ["fake", "gateway_port", "gateway_settings", "nova_poshta", "provider"]  # fixtures
MUG = 45000  # 450.00 UAH


@pytest.fixture
def service_settings(provider, fake, gateway_port, nova_poshta) -> dict[str, dict]:
    paying = payment_settings(provider, fake, gateway_port)
    return {"order": paying | nova_poshta_settings(nova_poshta)}


def charged_minor(provider: str, fake) -> int:
    """What the provider holds of the customer's money, in minor units (Stripe counts in them;
    LiqPay and CashBill in major units)."""
    charged = fake.charged()
    return int(charged) if provider == "stripe" else int(Decimal(charged) * 100)


async def refunded(stack, headers, order_id: str, amount: int) -> dict:
    deadline = time.monotonic() + 30
    while True:
        order = (await stack.http.get(f"/api/v1/orders/{order_id}", headers=headers)).json()
        if order["payments"][0]["refunded_amount"]["amount_minor"] == amount:
            return dict(order)
        assert time.monotonic() < deadline, order["payments"]
        await asyncio.sleep(0.3)


@pytest.mark.timeout(300)
async def test_pay_deliver_to_a_branch_return_and_get_the_money_back(
    stack, provider, fake, nova_poshta
):
    store = await seed_kyiv_store(stack)
    olena, _ = await stack.customer(f"olena-{provider}@example.com")
    cart = (await stack.http.get("/api/v1/carts/current?currency=UAH", headers=olena)).json()
    added = await stack.http.post(
        f"/api/v1/carts/{cart['id']}/lines", json={"sku": "MUG-1", "quantity": 2}, headers=olena
    )
    assert added.status_code == 201, added.text
    [branch, *_] = (
        await stack.http.get("/api/v1/carriers/nova_poshta/pickup-points", params={"city_id": LVIV})
    ).json()["points"]

    # Pay: the provider's page first, then its callback confirms the order.
    placed = await stack.http.post(
        "/api/v1/orders",
        json={
            "cart_id": cart["id"],
            "delivery": {
                "mode": "home_delivery",
                "carrier": "nova_poshta",
                "carrier_pickup_point_id": branch["id"],
                "recipient": {"name": "Олена Коваль", "phone": "+380671112233"},
            },
            "payment_method": "online_card",
            "payment_token": CARDS[provider],
        },
        headers=olena | {"Idempotency-Key": f"journey-{provider}"},
    )
    assert placed.status_code == 202, placed.text
    order = placed.json()
    action = order["payments"][0]["next_action"]
    await follow(fake.base, action["url"], action["http_method"], action["form_fields"])
    confirmed = await poll(stack, olena, order["id"], "confirmed")
    assert confirmed["status"] == "confirmed", confirmed
    total = confirmed["totals"]["total"]["amount_minor"]
    assert total > 2 * MUG  # the mugs and Nova Poshta's price to the branch

    # Deliver: the waybill at fulfilment (the card captured then), tracking to delivered.
    admin = await stack.admin()
    shipped = await stack.http.post(
        f"/staff/v1/orders/{order['id']}/shipments",
        json={"source_location_id": store},
        headers=admin | {"Idempotency-Key": f"ship-{provider}"},
    )
    assert shipped.status_code == 201, shipped.text
    number = shipped.json()["shipment"]["tracking_number"]
    assert nova_poshta.documents[number]["properties"]["RecipientName"] == "Олена Коваль"
    httpx.post(f"{nova_poshta.base}/_control/advance", json={"number": number, "status_code": "9"})
    await until_status(stack, olena, order["id"], "delivered")
    assert charged_minor(provider, fake) == total

    # Return one mug at the store: the money comes back.
    line = confirmed["lines"][0]["line_id"]
    returned = await stack.http.post(
        f"/staff/v1/orders/{order['id']}/returns",
        json={"receiving_location_id": store, "lines": [{"line_id": line, "quantity": 1}]},
        headers=admin | {"Idempotency-Key": f"return-{provider}"},
    )
    assert returned.status_code == 201, returned.text
    if provider == "cashbill":  # no refund API: a staff task, made in the panel and recorded
        [task] = returned.json()["order"]["payments"][0]["refunds"]
        assert task["status"] == "pending"
        made = await stack.http.post(
            f"/staff/v1/orders/{order['id']}/refunds/{task['id']}/completed",
            json={"provider_ref": "CB-1", "note": "refunded in the panel"},
            headers=admin,
        )
        assert made.status_code == 200, made.text
    after = await refunded(stack, olena, order["id"], MUG)
    assert after["totals"]["refunded"]["amount_minor"] == MUG
    if provider != "cashbill":
        assert int(fake.charged()) == (
            (total - MUG) if provider != "liqpay" else (total - MUG) / 100
        )
