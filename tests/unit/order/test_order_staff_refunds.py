"""A refund staff make in a provider's panel counts once it is said to be made; only such a
refund can be completed by hand."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from omni.common.v1 import common_pb2
from omni.order.v1 import order_pb2
from omni_kit.errors import FailedPrecondition
from omni_order.domain.refunds import complete_staff_refund

P = order_pb2
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
STAFF = common_pb2.Actor(kind=common_pb2.ACTOR_KIND_STAFF, id="stf_1")


def paid_order(*refunds: tuple[str, int]) -> P.Order:
    eur = "EUR"
    order = P.Order(id="ord_1", number="N-1", status=P.ORDER_STATUS_CONFIRMED)
    order.lines.add(
        line_id="l1",
        sku="TEE",
        quantity=2,
        unit_price=common_pb2.Money(amount_minor=1500, currency_code=eur),
    )
    order.totals.total.CopyFrom(common_pb2.Money(amount_minor=3000, currency_code=eur))
    payment = order.payments.add(
        id="pay_1",
        status=P.PAYMENT_STATUS_CAPTURED,
        amount=common_pb2.Money(amount_minor=3000, currency_code=eur),
        captured_amount=common_pb2.Money(amount_minor=3000, currency_code=eur),
    )
    for index, (status, amount) in enumerate(refunds):
        payment.refunds.add(
            id=f"rf_{index}",
            status=getattr(P, f"REFUND_STATUS_{status}"),
            amount=common_pb2.Money(amount_minor=amount, currency_code=eur),
        )
    return order


def complete(order: P.Order, refund_id: str) -> P.Refund | None:
    return complete_staff_refund(
        order,
        refund_id,
        provider_ref="CB-1",
        note="",
        actor=STAFF,
        channel=P.Order().channel,
        now=NOW,
    )


def test_a_staff_refund_counts_once_it_is_made():
    order = paid_order(("STAFF_ACTION", 1500), ("STAFF_ACTION", 1500))
    assert complete(order, "rf_0") is not None
    assert order.payments[0].status == P.PAYMENT_STATUS_PARTIALLY_REFUNDED
    assert complete(order, "rf_0") is None  # a repeat
    assert order.payments[0].refunded_amount.amount_minor == 1500
    complete(order, "rf_1")
    assert order.payments[0].status == P.PAYMENT_STATUS_REFUNDED
    assert order.totals.refunded.amount_minor == 3000
    assert [entry.action for entry in order.history] == ["refund_completed"] * 2


def test_only_a_refund_waiting_for_staff_can_be_completed_by_hand():
    order = paid_order(("FAILED", 1500))
    with pytest.raises(FailedPrecondition) as refused:
        complete(order, "rf_0")
    assert refused.value.reason == "REFUND_NOT_A_STAFF_TASK"
    assert order.payments[0].refunded_amount.amount_minor == 0
