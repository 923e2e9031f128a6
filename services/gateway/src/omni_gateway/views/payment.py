"""Payments of an order: method, status and amounts for everyone; the payment provider's name
and reference for staff only (to look a payment up there)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from msgspec import UNSET, UnsetType

from omni.order.v1 import order_pb2
from omni_gateway.views.common import EnumMap, Money, View, money_or_none, when_set
from omni_gateway.views.delivery import Text

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


class RefundMade(View):
    """Staff made a refund in the payment provider's panel (the provider has no refund API)."""

    # The refund's reference in the provider's panel.
    provider_ref: Text = ""
    note: Text = ""


class NextActionKind(StrEnum):
    REDIRECT = "redirect"
    CLIENT_SECRET = "client_secret"  # noqa: S105 - an action kind, not a secret


class NextAction(View):
    """What the customer does to complete the payment: `redirect`: open `url` (when `form_fields`
    is not empty, submit them to it as an HTML form with `http_method`); `client_secret`: hand it
    to the provider's client library (Stripe.js confirmPayment). Then poll the order."""

    kind: NextActionKind
    url: str | None
    http_method: str | None
    form_fields: dict[str, str]
    client_secret: str | None


PAYMENT_METHOD = EnumMap(PaymentMethod, P.PaymentMethod, "PAYMENT_METHOD_")
# Waiting for the customer at the provider is pending, with next_action; a refund the provider
# cannot make through its API is pending until staff make it in the provider's panel (its reason
# says so).
PAYMENT_STATUS = EnumMap(
    PaymentStatus,
    P.PaymentStatus,
    "PAYMENT_STATUS_",
    shown_as={"action_required": PaymentStatus.PENDING},
)
REFUND_STATUS = EnumMap(
    RefundStatus, P.RefundStatus, "REFUND_STATUS_", shown_as={"staff_action": RefundStatus.PENDING}
)


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
    # Only while the customer has to complete the payment at the provider (status pending).
    next_action: NextAction | UnsetType = UNSET


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


def next_action_view(action: P.PaymentAction) -> NextAction:
    return NextAction(
        kind=NextActionKind(action.kind),
        url=action.url or None,
        http_method=action.http_method or None,
        form_fields=dict(action.form_fields),
        client_secret=action.client_secret or None,
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
        "next_action": next_action_view(payment.next_action)
        if payment.HasField("next_action")
        else UNSET,
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
