"""Returns and exchanges in any channel: what may come back, refunds and replacement lines."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from omni.common.v1 import common_pb2
from omni.order.v1 import order_pb2
from omni_kit.errors import FailedPrecondition
from omni_order.domain.checkout import compute_totals
from omni_order.domain.common import money, record, require_quantity
from omni_order.domain.lifecycle import add_refund, order_line, status_name

P = order_pb2
RETURNABLE = {
    P.ORDER_STATUS_PARTIALLY_FULFILLED,
    P.ORDER_STATUS_FULFILLED,
    P.ORDER_STATUS_SHIPPED,
    P.ORDER_STATUS_DELIVERED,
    P.ORDER_STATUS_COLLECTED,
    P.ORDER_STATUS_PARTIALLY_RETURNED,
}


def returned_lines(
    order: order_pb2.Order, requested: Sequence[order_pb2.ReturnLine]
) -> list[order_pb2.ReturnLine]:
    """The return's lines with defaults filled in, or a precise refusal."""
    if order.status not in RETURNABLE:
        raise FailedPrecondition(
            f"order {order.number} is {status_name(order.status)}; only goods the customer "
            "received can be returned",
            reason="ORDER_NOT_RETURNABLE",
            field="order_id",
        )
    if not requested:
        raise FailedPrecondition(
            "a return needs at least one line", reason="RETURN_EMPTY", field="lines"
        )
    lines = []
    for index, wanted in enumerate(requested):
        line = order_line(order, wanted.line_id, f"lines[{index}].line_id")
        require_quantity(wanted.quantity, f"lines[{index}].quantity")
        returnable = line.fulfilled_quantity - line.returned_quantity
        if wanted.quantity > returnable:
            raise FailedPrecondition(
                f"line {line.line_id} ({line.sku}) has {returnable} received units that can come "
                f"back, not {wanted.quantity}",
                reason="QUANTITY_NOT_RETURNABLE",
                field=f"lines[{index}].quantity",
            )
        result = P.ReturnLine()
        result.CopyFrom(wanted)
        result.condition = wanted.condition or common_pb2.ITEM_CONDITION_SELLABLE
        result.resolution = wanted.resolution or P.RETURN_RESOLUTION_REFUND
        if result.resolution == P.RETURN_RESOLUTION_EXCHANGE:
            result.exchange_sku = wanted.exchange_sku or line.sku
        else:
            result.refund_amount.CopyFrom(
                money(line.unit_price.amount_minor * wanted.quantity, line.unit_price.currency_code)
            )
        lines.append(result)
    return lines


def refund_total(lines: Sequence[order_pb2.ReturnLine], currency: str) -> common_pb2.Money:
    return money(sum(line.refund_amount.amount_minor for line in lines), currency)


def apply_return(
    order: order_pb2.Order,
    order_return: order_pb2.OrderReturn,
    refund: order_pb2.Refund | None,
    *,
    now: datetime,
) -> None:
    """Count the returned units, record the refund, add exchange replacement lines (handed over
    at the receiving location, so they are fulfilled at once)."""
    for item in order_return.lines:
        line = order_line(order, item.line_id, "lines.line_id")
        line.returned_quantity += item.quantity
        line.status = (
            P.ORDER_LINE_STATUS_RETURNED
            if line.returned_quantity == line.fulfilled_quantity
            else P.ORDER_LINE_STATUS_PARTIALLY_RETURNED
        )
        if item.resolution == P.RETURN_RESOLUTION_EXCHANGE:
            replacement = order.lines.add(
                line_id=item.exchange_line_id,
                product_id=line.product_id if item.exchange_sku == line.sku else "",
                sku=item.exchange_sku,
                product_name=line.product_name if item.exchange_sku == line.sku else "",
                quantity=item.quantity,
                unit_price=line.unit_price,
                status=P.ORDER_LINE_STATUS_FULFILLED,
                fulfilled_quantity=item.quantity,
                source_location_ids=[order_return.receiving_location_id],
                exchange_for_line_id=line.line_id,
            )
            replacement.line_total.CopyFrom(money(0, line.unit_price.currency_code))
    if refund is not None:
        add_refund(order.payments[0], refund, now)
    compute_totals(order)
    originals = [line for line in order.lines if not line.exchange_for_line_id]
    everything_back = all(
        line.returned_quantity == line.quantity - line.cancelled_quantity for line in originals
    )
    to_status = P.ORDER_STATUS_RETURNED if everything_back else P.ORDER_STATUS_PARTIALLY_RETURNED
    units = [
        P.LineQuantity(
            line_id=item.line_id,
            quantity=item.quantity,
            sku=order_line(order, item.line_id, "").sku,
        )
        for item in order_return.lines
    ]
    record(
        order,
        "return_received",
        to_status=to_status,
        actor=order_return.actor,
        channel=order_return.channel,
        reason=order_return.note,
        lines=units,
        now=now,
    )
    if refund is not None:
        record(
            order,
            "refund_recorded",
            reason=refund.reason,
            actor=order_return.actor,
            channel=order_return.channel,
            now=now,
        )
