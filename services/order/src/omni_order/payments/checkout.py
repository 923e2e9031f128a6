"""The saga's payment step: start the payment at its provider (or ask how it stands, while the
customer is at the provider's page), and put the provider's answer on the order's payment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from omni_order.domain.common import record
from omni_order.domain.orders import Order, OrderStatus, Payment, PaymentAction, PaymentStatus
from omni_order.payments.provider import (
    NextAction,
    PaymentProvider,
    PaymentRequest,
    PaymentState,
    ProviderStatus,
)

WAITING = {PaymentState.ACTION_REQUIRED, PaymentState.PENDING}
AMOUNT_MISMATCH = "the amount the payment provider reports is not the order's total"


@dataclass(frozen=True)
class PaymentLinks:
    """Where providers post callbacks (the gateway's /hooks/payments/{provider}) and where the
    customer comes back to after the provider's page."""

    notify_base_url: str
    return_url: str

    def notify_url(self, provider: str) -> str:
        return f"{self.notify_base_url.rstrip('/')}/hooks/payments/{provider}"

    def return_to(self, order_id: str) -> str:
        return self.return_url.replace("{order_id}", order_id)


async def ask_provider(
    provider: PaymentProvider, order: Order, token: str, links: PaymentLinks
) -> ProviderStatus:
    """Start the payment, or, when it was started already (a redirect the customer is
    following), ask how it stands. Keyed by the payment id: a retry never starts a second one."""
    payment = order.payments[0]
    if payment.status == PaymentStatus.ACTION_REQUIRED:
        status = await provider.status(payment.id, reference=payment.provider_ref)
        return ProviderStatus(status.state, status.reference or payment.provider_ref, status.amount)
    started = await provider.initiate(
        PaymentRequest(
            key=payment.id,
            order_id=order.id,
            order_number=order.number,
            amount=payment.amount,
            manual_capture=provider.capabilities.manual_capture,
            return_url=links.return_to(order.id),
            notify_url=links.notify_url(provider.name),
            token=token,
            description=f"Order {order.number}",
        )
    )
    return ProviderStatus(
        started.state, started.reference, None, started.next_action, started.reason
    )


def amount_matches(payment: Payment, status: ProviderStatus) -> bool:
    return status.amount is None or status.amount == payment.amount


def paid(payment: Payment, status: ProviderStatus, now: datetime) -> None:
    """The provider authorized (or charged) the payment."""
    payment.provider_ref = status.reference or payment.provider_ref
    payment.next_action = None
    payment.updated_at = now
    if status.state == PaymentState.CAPTURED:
        payment.status = PaymentStatus.CAPTURED
        payment.captured_amount = payment.amount
    else:
        payment.status = PaymentStatus.AUTHORIZED


def waiting(order: Order, status: ProviderStatus, now: datetime) -> None:
    """The customer has to act at the provider: the order shows where to go."""
    payment = order.payments[0]
    payment.provider_ref = status.reference or payment.provider_ref
    payment.updated_at = now
    if status.next_action is not None:
        payment.next_action = _action(status.next_action)
    payment.status = PaymentStatus.ACTION_REQUIRED
    if order.status != OrderStatus.ACTION_REQUIRED:
        record(
            order,
            "payment_action_required",
            to_status=OrderStatus.ACTION_REQUIRED,
            reason="the customer completes the payment at the provider",
            now=now,
        )


def _action(action: NextAction) -> PaymentAction:
    return PaymentAction(
        kind=action.kind,
        url=action.url,
        http_method=action.http_method,
        form_fields=dict(action.form_fields),
        client_secret=action.client_secret,
    )
