"""Which provider serves which channel and payment method: settings, checked at start."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from omni_kit.errors import FailedPrecondition
from omni_order.domain.orders import PaymentMethod
from omni_order.domain.values import ChannelRef, SalesChannel
from omni_order.payments.offline import OfflinePayment
from omni_order.payments.registry import PaymentProviders
from omni_order.settings import OrderSettings

WEB = ChannelRef(SalesChannel.WEB)
POS = ChannelRef(SalesChannel.POS, store_id="loc_1")
STRIPE_KEYS = {"stripe_secret_key": "sk_live_x", "stripe_webhook_secret": "whsec_x"}


def refusal(**settings: object) -> str:
    with pytest.raises(ValidationError) as error:
        OrderSettings(**settings)
    return str(error.value)


def test_routes_default_to_the_card_provider_and_the_offline_methods():
    settings = OrderSettings(payment_provider="stripe", **STRIPE_KEYS)
    assert settings.routes() == {
        "*:online_card": "stripe",
        "*:cash_on_delivery": "cash_on_delivery",
        "*:pay_in_store": "pay_in_store",
    }
    routed = OrderSettings(
        payment_provider="stripe",
        payment_routes={"pos:online_card": "liqpay", "web:cash_on_delivery": "none"},
        liqpay_public_key="pub",
        liqpay_private_key="priv",
        **STRIPE_KEYS,
    ).routes()
    assert routed["pos:online_card"] == "liqpay" and "web:cash_on_delivery" not in routed


def test_a_provider_in_use_needs_its_keys():
    assert "OMNI_ORDER_STRIPE_SECRET_KEY, OMNI_ORDER_STRIPE_WEBHOOK_SECRET" in refusal(
        payment_provider="stripe"
    )
    assert "OMNI_ORDER_CASHBILL_SHOP_ID" in refusal(payment_routes={"web:online_card": "cashbill"})


def test_routes_name_known_channels_methods_and_providers():
    assert "'shop:online_card' is not <channel>:<method>" in refusal(
        payment_routes={"shop:online_card": "test"}
    )
    assert "names 'paypal'" in refusal(payment_routes={"web:online_card": "paypal"})


def test_production_refuses_the_test_provider_on_any_route():
    refused = refusal(
        environment="production",
        payment_provider="stripe",
        payment_routes={"pos:online_card": "test"},
        **STRIPE_KEYS,
    )
    assert "test payment provider is refused in production" in refused


def test_a_channel_route_wins_over_the_default_and_none_takes_a_method_away():
    card, cash = OfflinePayment("card"), OfflinePayment("cash_on_delivery")
    providers = PaymentProviders(
        {"card": card, "cash_on_delivery": cash, "pos_card": OfflinePayment("pos_card")},
        {
            "*:online_card": "card",
            "pos:online_card": "pos_card",
            "*:cash_on_delivery": "cash_on_delivery",
        },
    )
    assert providers.for_checkout(WEB, PaymentMethod.ONLINE_CARD) is card
    assert providers.for_checkout(POS, PaymentMethod.ONLINE_CARD).name == "pos_card"
    assert providers.for_checkout(WEB, PaymentMethod.MARKETPLACE) is None
    with pytest.raises(FailedPrecondition) as refused:
        providers.for_checkout(WEB, PaymentMethod.PAY_IN_STORE)
    assert refused.value.reason == "PAYMENT_METHOD_NOT_ALLOWED"
    assert "pay in store is not offered on the web channel" in refused.value.message
