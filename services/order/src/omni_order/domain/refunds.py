"""Refunds staff make by hand in a provider's panel (the provider has no refund API)."""

from __future__ import annotations

from datetime import datetime

from omni_kit.errors import FailedPrecondition, NotFound
from omni_order.domain.checkout import compute_totals
from omni_order.domain.common import record
from omni_order.domain.lifecycle import count_refund
from omni_order.domain.orders import Order, Payment, Refund, RefundStatus
from omni_order.domain.values import Actor, ChannelRef


def staff_refund(order: Order, refund_id: str) -> tuple[Payment, Refund]:
    for payment in order.payments:
        for refund in payment.refunds:
            if refund.id == refund_id:
                return payment, refund
    raise NotFound(
        f"order {order.number} has no refund {refund_id!r}",
        reason="REFUND_NOT_FOUND",
        field="refund_id",
    )


def complete_staff_refund(
    order: Order,
    refund_id: str,
    *,
    provider_ref: str,
    note: str,
    actor: Actor,
    channel: ChannelRef,
    now: datetime,
) -> Refund | None:
    """Staff made the refund in the provider's panel: it counts now. None when the money is
    back already (a repeat)."""
    payment, refund = staff_refund(order, refund_id)
    if refund.status == RefundStatus.SUCCEEDED:
        return None
    if refund.status != RefundStatus.STAFF_ACTION:
        raise FailedPrecondition(
            f"refund {refund_id} is not waiting for staff: the provider handles it",
            reason="REFUND_NOT_A_STAFF_TASK",
            field="refund_id",
        )
    refund.status = RefundStatus.SUCCEEDED
    refund.provider_ref = provider_ref
    refund.reason = "refunded by staff in the provider's panel" + (f": {note}" if note else "")
    refund.completed_at = now
    count_refund(payment, refund)
    payment.updated_at = now
    compute_totals(order)
    record(order, "refund_completed", actor=actor, channel=channel, reason=note, now=now)
    return refund
