"""Payments of an order: method, status and amounts for everyone; the payment provider's name
and reference for staff only (to look a payment up there)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from omni.order.v1 import order_pb2
from omni_gateway.views.common import EnumMap, Money, View, money_or_none, when_set

P = order_pb2


class PaymentMethod(StrEnum):
    ONLINE_CARD = "online_card"
    CASH_ON_DELIVERY = "cash_on_delivery"
    PAY_IN_STORE = "pay_in_store"
    MARKETPLACE = "marketplace"


class PaymentStatus(StrEnum):
    PENDING = "pending"
    AUTHORIZED = "authorized"
    CAPTURED = "captured"
    DECLINED = "declined"
    FAILED = "failed"
    VOIDED = "voided"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"


class RefundStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


PAYMENT_METHOD = EnumMap(PaymentMethod, P.PaymentMethod, "PAYMENT_METHOD_")
PAYMENT_STATUS = EnumMap(PaymentStatus, P.PaymentStatus, "PAYMENT_STATUS_")
REFUND_STATUS = EnumMap(RefundStatus, P.RefundStatus, "REFUND_STATUS_")


class Refund(View):
    id: str
    amount: Money | None
    status: RefundStatus | None
    return_id: str | None
    reason: str | None
    created_at: datetime | None
    completed_at: datetime | None


class Payment(View):
    id: str
    method: PaymentMethod | None
    status: PaymentStatus | None
    amount: Money | None
    captured_amount: Money | None
    refunded_amount: Money | None
    # Why it was declined or failed.
    failure_reason: str | None
    refunds: list[Refund]
    created_at: datetime | None
    updated_at: datetime | None


class StaffPayment(Payment, kw_only=True):
    """A payment with the provider's name and reference, to look it up there."""

    provider: str | None
    provider_ref: str | None


def refund_view(refund: P.Refund) -> Refund:
    return Refund(
        id=refund.id,
        amount=money_or_none(refund, "amount"),
        status=REFUND_STATUS.public(refund.status),
        return_id=refund.return_id or None,
        reason=refund.reason or None,
        created_at=when_set(refund, "created_at"),
        completed_at=when_set(refund, "completed_at"),
    )


def _payment_fields(payment: P.Payment) -> dict[str, Any]:
    return {
        "id": payment.id,
        "method": PAYMENT_METHOD.public(payment.method),
        "status": PAYMENT_STATUS.public(payment.status),
        "amount": money_or_none(payment, "amount"),
        "captured_amount": money_or_none(payment, "captured_amount"),
        "refunded_amount": money_or_none(payment, "refunded_amount"),
        "failure_reason": payment.failure_reason or None,
        "refunds": [refund_view(refund) for refund in payment.refunds],
        "created_at": when_set(payment, "created_at"),
        "updated_at": when_set(payment, "updated_at"),
    }


def payment_view(payment: P.Payment) -> Payment:
    return Payment(**_payment_fields(payment))


def staff_payment_view(payment: P.Payment) -> StaffPayment:
    return StaffPayment(
        **_payment_fields(payment),
        provider=payment.provider or None,
        provider_ref=payment.provider_ref or None,
    )
