"""The three payment provider fakes with test credentials, and the order service settings that
point an adapter at its fake."""

from __future__ import annotations

from typing import Any

import httpx

from fakes.cashbill_fake import FakeCashBill
from fakes.fake_http import FakeProvider
from fakes.liqpay_fake import FakeLiqPay
from fakes.stripe_fake import FakeStripe

STRIPE_KEY, STRIPE_WEBHOOK = "sk_test_fake", "whsec_fake"
LIQPAY_PUBLIC, LIQPAY_PRIVATE = "sandbox_public", "sandbox_private"
CASHBILL_SHOP, CASHBILL_SECRET = "shop.example.pl", "cashbill-secret"


def provider_settings(name: str, fake: FakeProvider, hooks_base: str) -> dict[str, Any]:
    """The order service's settings for paying through `fake`; the fake calls back to
    {hooks_base}/hooks/payments/{name} (the gateway, or a relay standing in for it)."""
    hook = f"{hooks_base}/hooks/payments/{name}"
    if isinstance(fake, FakeStripe):
        fake.webhook_url = hook
        return {
            "stripe_api_base": fake.base,
            "stripe_secret_key": STRIPE_KEY,
            "stripe_webhook_secret": STRIPE_WEBHOOK,
        }
    if isinstance(fake, FakeLiqPay):
        return {
            "liqpay_api_base": fake.base,
            "liqpay_public_key": LIQPAY_PUBLIC,
            "liqpay_private_key": LIQPAY_PRIVATE,
        }
    assert isinstance(fake, FakeCashBill)
    fake.notification_url = hook
    return {
        "cashbill_api_base": f"{fake.base}/ws/rest",
        "cashbill_shop_id": CASHBILL_SHOP,
        "cashbill_secret": CASHBILL_SECRET,
    }


def new_fake(name: str) -> FakeProvider:
    if name == "stripe":
        return FakeStripe(STRIPE_KEY, STRIPE_WEBHOOK)
    if name == "liqpay":
        return FakeLiqPay(LIQPAY_PUBLIC, LIQPAY_PRIVATE)
    return FakeCashBill(CASHBILL_SHOP, CASHBILL_SECRET)


async def follow(
    fake_base: str,
    url: str,
    http_method: str = "GET",
    form_fields: dict[str, str] | None = None,
    outcome: str = "",
) -> str:
    """The customer's browser at the provider: submit the form (or open the URL), follow the
    provider's own redirects; returns where the provider sends the customer back to.
    `outcome="fail"` fails the payment at the provider's page."""
    query = {"outcome": outcome} if outcome else {}
    async with httpx.AsyncClient(timeout=10) as browser:
        if form_fields:
            reply = await browser.request(http_method or "POST", url, data=form_fields)
        else:
            reply = await browser.get(url, params=query)
        while reply.is_redirect and reply.headers["location"].startswith(fake_base):
            reply = await browser.get(reply.headers["location"], params=query)
    assert reply.is_redirect, reply.text
    return str(reply.headers["location"])
