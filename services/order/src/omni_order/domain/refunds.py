"""Refunds staff make by hand in a provider's panel (the provider has no refund API)."""

from __future__ import annotations

from datetime import datetime

from omni.common.v1 import common_pb2
from omni.order.v1 import order_pb2
from omni_kit.errors import FailedPrecondition, NotFound
from omni_kit.protos import to_timestamp
from omni_order.domain.checkout import compute_totals
from omni_order.domain.common import record
from omni_order.domain.lifecycle import count_refund

P = order_pb2


def staff_refund(order: order_pb2.Order, refund_id: str) -> tuple[P.Payment, P.Refund]:
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
    order: order_pb2.Order,
    refund_id: str,
    *,
    provider_ref: str,
    note: str,
    actor: common_pb2.Actor,
    channel: common_pb2.ChannelRef,
    now: datetime,
) -> P.Refund | None:
    """Staff made the refund in the provider's panel: it counts now. None when the money is
    back already (a repeat)."""
    payment, refund = staff_refund(order, refund_id)
    if refund.status == P.REFUND_STATUS_SUCCEEDED:
        return None
    if refund.status != P.REFUND_STATUS_STAFF_ACTION:
        raise FailedPrecondition(
            f"refund {refund_id} is not waiting for staff: the provider handles it",
            reason="REFUND_NOT_A_STAFF_TASK",
            field="refund_id",
        )
    refund.status = P.REFUND_STATUS_SUCCEEDED
    refund.provider_ref = provider_ref
    refund.reason = "refunded by staff in the provider's panel" + (f": {note}" if note else "")
    refund.completed_at.CopyFrom(to_timestamp(now))
    count_refund(payment, refund)
    payment.updated_at.CopyFrom(to_timestamp(now))
    compute_totals(order)
    record(order, "refund_completed", actor=actor, channel=channel, reason=note, now=now)
    return refund
