"""What the order's payments go through after checkout: capture at fulfilment or pickup, void
or refund for units the order will not fulfil, refund on return. Each call is keyed so a retry
does nothing twice at the provider; a provider that cannot refund through its API (CashBill,
cash) gets a staff task (a refund in STAFF_ACTION) instead of a pretended refund."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from omni_kit.logs import get_logger
from omni_order.domain import lifecycle
from omni_order.domain.orders import (
    LineQuantity,
    Order,
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
)
from omni_order.events import EventSpec
from omni_order.payments.registry import PaymentProviders

log = get_logger("omni.order.payments")
STAFF_REFUND = "the provider cannot refund through its API: refund it in the provider's panel"
REFUND_FAILED = "the payment provider refused the refund"


async def refund_payment(
    providers: PaymentProviders,
    payment: Payment,
    refund: Refund,
) -> Refund:
    """Ask the payment's provider for `refund` (its id is the refund key); the refund's status
    says what happened: SUCCEEDED, FAILED, or STAFF_ACTION when the provider cannot do it."""
    provider = providers.of(payment)
    whole = refund.amount.amount_minor >= _refundable(payment)
    able = provider.capabilities.refund and (whole or provider.capabilities.partial_refund)
    if provider.capabilities.offline or not able:
        refund.status = RefundStatus.STAFF_ACTION
        refund.reason = STAFF_REFUND if not provider.capabilities.offline else "give the cash back"
        return refund
    result = await provider.refund(
        payment.id, refund.id, refund.amount, reference=payment.provider_ref
    )
    refund.provider_ref = result.reference
    if not result.approved:
        log.warning(
            "refund_refused",
            payment_id=payment.id,
            provider=provider.name,
            provider_reason=result.reason,
        )
        refund.status = RefundStatus.FAILED
        refund.reason = REFUND_FAILED
    return refund


def _refundable(payment: Payment) -> int:
    paid = payment.captured or payment.amount.amount_minor
    return paid - payment.refunded


async def capture_payment(providers: PaymentProviders, order: Order, now: datetime) -> None:
    """Capture an authorized card payment for what the order now totals (cancelled lines are not
    charged), at its first shipment or at pickup. Offline payments are captured by the courier
    or the till (lifecycle.collect). Keyed by the payment: a retry captures once."""
    for payment in order.payments:
        if payment.status != PaymentStatus.AUTHORIZED:
            continue
        provider = providers.of(payment)
        if provider.capabilities.offline:
            continue
        amount = order.totals.total
        if amount.amount_minor < payment.amount.amount_minor and not (
            provider.capabilities.partial_capture
        ):
            amount = payment.amount  # captured whole: what was cancelled is refunded
        result = await provider.capture(payment.id, amount, reference=payment.provider_ref)
        payment.updated_at = now
        if not result.approved:
            log.error(
                "capture_refused",
                payment_id=payment.id,
                provider=provider.name,
                provider_reason=result.reason,
            )
            payment.failure_reason = "the payment provider refused the capture"
            continue
        payment.status = PaymentStatus.CAPTURED
        payment.captured_amount = amount


async def settle_cancellation(
    providers: PaymentProviders,
    order: Order,
    units: Sequence[LineQuantity],
    now: datetime,
) -> list[EventSpec]:
    """After a cancellation (lifecycle.cancel or abandon_pickup), give back what the order took
    for the units it will not fulfil: void the card authorization of a cancelled order, refund
    money captured for cancelled units. Keyed by the payment and the order's stored version, so
    a retry of the same cancellation does nothing twice at the provider. Returns the events of
    the refunds it recorded."""
    specs: list[EventSpec] = []
    for action in lifecycle.cancellation_payments(order, units):
        payment = lifecycle.find_payment(order, action.payment_id)
        if action.kind == lifecycle.VOID:
            await providers.of(payment).void(payment.id, reference=payment.provider_ref)
            lifecycle.voided(payment, now)
            continue
        refund_id = f"rf_{order.id}_v{order.version}_{payment.id}"
        refund = Refund(
            id=refund_id,
            amount=action.amount,
            tax=action.tax,
            status=RefundStatus.SUCCEEDED,
            reason="order cancelled",
            created_at=now,
            completed_at=now,
        )
        await refund_payment(providers, payment, refund)
        lifecycle.refunded(order, payment, refund, now)
        specs.append(("refund_recorded", {"payment_id": payment.id, "refund": refund}))
    return specs
