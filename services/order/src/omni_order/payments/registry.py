"""Which provider serves which channel and payment method (settings: OMNI_ORDER_PAYMENT_*),
and the provider a stored payment was made with."""

from __future__ import annotations

from collections.abc import Mapping

from omni_kit.errors import FailedPrecondition
from omni_order.domain.orders import Payment, PaymentMethod
from omni_order.domain.values import ChannelRef
from omni_order.payments.provider import PaymentProvider

METHODS = {
    PaymentMethod.ONLINE_CARD: "online_card",
    PaymentMethod.CASH_ON_DELIVERY: "cash_on_delivery",
    PaymentMethod.PAY_IN_STORE: "pay_in_store",
}


def channel_key(channel: ChannelRef) -> str:
    return channel.channel.name.lower()


class PaymentProviders:
    """The configured providers by name, and the routes "<channel>:<method>" (or "*:<method>")
    to a provider's name."""

    def __init__(self, providers: Mapping[str, PaymentProvider], routes: Mapping[str, str]) -> None:
        self.providers = dict(providers)
        self.routes = dict(routes)
        for route, name in self.routes.items():
            if name not in self.providers:
                raise ValueError(f"payment route {route} names {name!r}, which is not set up")

    def for_checkout(self, channel: ChannelRef, method: PaymentMethod) -> PaymentProvider | None:
        """The provider for a new payment (None for a method that needs none: marketplace)."""
        name = METHODS.get(method)
        if name is None:
            return None
        chosen = self.routes.get(f"{channel_key(channel)}:{name}") or self.routes.get(f"*:{name}")
        if chosen is None:
            raise FailedPrecondition(
                f"{name.replace('_', ' ')} is not offered on the {channel_key(channel)} channel",
                reason="PAYMENT_METHOD_NOT_ALLOWED",
                field="payment_method",
            )
        return self.providers[chosen]

    def of(self, payment: Payment) -> PaymentProvider:
        """The provider that holds this payment (orders placed before providers were named
        fall back to the method's provider)."""
        name = payment.provider or self.routes.get(f"*:{METHODS.get(payment.method, '')}", "")
        if name not in self.providers:
            raise FailedPrecondition(
                f"payment {payment.id} was made with {name or 'no provider'!r}, which is not "
                "set up here any more",
                reason="PAYMENT_PROVIDER_NOT_CONFIGURED",
                field="payment_id",
            )
        return self.providers[name]

    def named(self, name: str) -> PaymentProvider | None:
        return self.providers.get(name)
