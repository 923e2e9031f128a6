"""An order service paying through a provider's fake (Stripe, LiqPay, CashBill): its own
database, callbacks relayed to it as the gateway relays them, and a customer who follows the
provider's redirects."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from fakes.callback_relay import CallbackRelay
from fakes.payment_fakes import (
    CASHBILL_SECRET,
    CASHBILL_SHOP,
    LIQPAY_PRIVATE,
    STRIPE_WEBHOOK,
    follow,
    new_fake,
    provider_settings,
)
from order_shop import Shop

from omni.order.v1 import order_pb2

P = order_pb2
RETURN = "http://shop.invalid/orders/{order_id}"


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
        return await follow(
            self.fake.base, action.url, action.http_method, dict(action.form_fields), outcome
        )


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
            **settings | provider_settings(name, fake, relay.base) | overrides
        )
        relay.connect(f"127.0.0.1:{app.port}")
        yield Paying(dataclasses.replace(shop, order=order, order_app=app), fake, relay, database)
    finally:
        relay.stop()
        fake.stop()


__all__ = [
    "CASHBILL_SECRET",
    "CASHBILL_SHOP",
    "LIQPAY_PRIVATE",
    "STRIPE_WEBHOOK",
    "Paying",
    "paying",
]
