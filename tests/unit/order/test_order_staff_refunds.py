"""A refund staff make in a provider's panel counts once it is said to be made; only such a
refund can be completed by hand."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from omni_kit.errors import FailedPrecondition
from omni_order.domain.orders import (
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
)
from omni_order.domain.refunds import complete_staff_refund
from omni_order.domain.values import Actor, ActorKind, ChannelRef, Money

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
STAFF = Actor(ActorKind.STAFF, "stf_1")


def paid_order(*refunds: tuple[str, int]) -> Order:
    eur = "EUR"
    order = Order(id="ord_1", number="N-1", status=OrderStatus.CONFIRMED)
    order.lines.append(OrderLine(line_id="l1", sku="TEE", quantity=2, unit_price=Money(1500, eur)))
    order.totals.total = Money(3000, eur)
    payment = Payment(
        id="pay_1",
        status=PaymentStatus.CAPTURED,
        amount=Money(3000, eur),
        captured_amount=Money(3000, eur),
    )
    order.payments.append(payment)
    for index, (status, amount) in enumerate(refunds):
        payment.refunds.append(
            Refund(id=f"rf_{index}", status=RefundStatus[status], amount=Money(amount, eur))
        )
    return order


def complete(order: Order, refund_id: str) -> Refund | None:
    return complete_staff_refund(
        order,
        refund_id,
        provider_ref="CB-1",
        note="",
        actor=STAFF,
        channel=ChannelRef(),
        now=NOW,
    )


def test_a_staff_refund_counts_once_it_is_made():
    order = paid_order(("STAFF_ACTION", 1500), ("STAFF_ACTION", 1500))
    assert complete(order, "rf_0") is not None
    assert order.payments[0].status == PaymentStatus.PARTIALLY_REFUNDED
    assert complete(order, "rf_0") is None  # a repeat
    assert order.payments[0].refunded == 1500
    complete(order, "rf_1")
    assert order.payments[0].status == PaymentStatus.REFUNDED
    assert order.totals.refunded.amount_minor == 3000
    assert [entry.action for entry in order.history] == ["refund_completed"] * 2


def test_only_a_refund_waiting_for_staff_can_be_completed_by_hand():
    order = paid_order(("FAILED", 1500))
    with pytest.raises(FailedPrecondition) as refused:
        complete(order, "rf_0")
    assert refused.value.reason == "REFUND_NOT_A_STAFF_TASK"
    assert order.payments[0].refunded == 0
