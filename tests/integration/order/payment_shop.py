"""An order service paying through a provider's fake (Stripe, LiqPay, CashBill): its own
database, callbacks relayed to it as the gateway relays them, and a customer who follows the
provider's redirects."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from fakes.callback_relay import CallbackRelay
from fakes.cashbill_fake import FakeCashBill
from fakes.fake_http import FakeProvider
from fakes.liqpay_fake import FakeLiqPay
from fakes.stripe_fake import FakeStripe
from order_shop import Shop

from omni.order.v1 import order_pb2

P = order_pb2
STRIPE_KEY, STRIPE_WEBHOOK = "sk_test_fake", "whsec_fake"
LIQPAY_PUBLIC, LIQPAY_PRIVATE = "sandbox_public", "sandbox_private"
CASHBILL_SHOP, CASHBILL_SECRET = "shop.example.pl", "cashbill-secret"
RETURN = "http://shop.invalid/orders/{order_id}"


def provider_settings(name: str, fake: FakeProvider, relay: CallbackRelay) -> dict[str, Any]:
    hook = f"{relay.base}/hooks/payments/{name}"
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


@dataclass
class Paying:
    shop: Shop
    fake: Any
    relay: CallbackRelay
    database: str

    async def stocked_cart(self, quantity: int = 3) -> str:
        await self.shop.product("TEE-M", 1500)
        warehouse = await self.shop.location("WH-1")
        await self.shop.receive(warehouse, "TEE-M", 10)
        cart = await self.shop.add((await self.shop.cart()).id, "TEE-M", quantity)
        return cart.id

    async def follow(self, action: P.PaymentAction, outcome: str = "") -> str:
        """The customer's browser at the provider: submit the form or open the URL, follow the
        provider's own redirects; returns where the provider sends the customer back to."""
        query = {"outcome": outcome} if outcome else {}
        async with httpx.AsyncClient(timeout=10) as browser:
            if action.form_fields:
                reply = await browser.request(
                    action.http_method or "POST", action.url, data=dict(action.form_fields)
                )
            else:
                reply = await browser.get(action.url, params=query)
            while reply.is_redirect and reply.headers["location"].startswith(self.fake.base):
                reply = await browser.get(reply.headers["location"], params=query)
        assert reply.is_redirect, reply.text
        return str(reply.headers["location"])


@asynccontextmanager
async def paying(shop: Shop, db_name: str, name: str, **overrides: Any) -> AsyncIterator[Paying]:
    fake = new_fake(name).start()
    relay = CallbackRelay().start()
    database = f"{db_name}_pay"
    try:
        settings = {
            "mongo_database": database,
            "payment_provider": name,
            "payment_timeout_seconds": 10.0,
            "payment_http_timeout_seconds": 1.0,
            "payment_notify_base_url": relay.base,
            "payment_return_url": RETURN,
            "payment_status_poll_seconds": 60.0,
            "outbound_allow_http": True,
            "outbound_allow_private_networks": True,
            "saga_retry_first_seconds": 0.2,
            "saga_retry_max_delay_seconds": 0.5,
            "saga_resume_interval_seconds": 0.2,
        }
        app, order = await shop.start_order(
            **settings | provider_settings(name, fake, relay) | overrides
        )
        relay.connect(f"127.0.0.1:{app.port}")
        yield Paying(dataclasses.replace(shop, order=order, order_app=app), fake, relay, database)
    finally:
        relay.stop()
        fake.stop()
