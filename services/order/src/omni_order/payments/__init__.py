"""Payment providers behind one interface (provider.py), the adapters, and what the order's
payments go through after checkout (settle.py)."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from omni_kit.outbound import OutboundClient
from omni_order.payments.cashbill import CashBillProvider
from omni_order.payments.liqpay import LiqPayProvider
from omni_order.payments.offline import OfflinePayment
from omni_order.payments.provider import PaymentProvider
from omni_order.payments.registry import PaymentProviders
from omni_order.payments.settle import capture_payment, refund_payment, settle_cancellation
from omni_order.payments.stripe import StripeProvider
from omni_order.payments.testcards import LEDGER, TestPaymentProvider
from omni_order.settings import OrderSettings


def _secret(value: Any) -> str:
    return value.get_secret_value() if value is not None else ""


def configured_providers(
    settings: OrderSettings, db: AsyncDatabase[dict[str, Any]], client: OutboundClient
) -> PaymentProviders:
    """The providers the routes name, built from their settings."""
    routes = settings.routes()
    providers: dict[str, PaymentProvider] = {}
    for name in set(routes.values()):
        if name == "test":
            providers[name] = TestPaymentProvider(db[LEDGER])
        elif name == "stripe":
            providers[name] = StripeProvider(
                client,
                api_base=settings.stripe_api_base,
                secret_key=_secret(settings.stripe_secret_key),
                webhook_secret=_secret(settings.stripe_webhook_secret),
            )
        elif name == "liqpay":
            providers[name] = LiqPayProvider(
                client,
                api_base=settings.liqpay_api_base,
                public_key=settings.liqpay_public_key,
                private_key=_secret(settings.liqpay_private_key),
            )
        elif name == "cashbill":
            providers[name] = CashBillProvider(
                client,
                api_base=settings.cashbill_api_base,
                shop_id=settings.cashbill_shop_id,
                secret=_secret(settings.cashbill_secret),
            )
        else:
            providers[name] = OfflinePayment(name)
    return PaymentProviders(providers, routes)


__all__ = [
    "LEDGER",
    "PaymentProviders",
    "TestPaymentProvider",
    "capture_payment",
    "configured_providers",
    "refund_payment",
    "settle_cancellation",
]
