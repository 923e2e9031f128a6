"""Returns and exchanges in any channel: what may come back, refunds and replacement lines."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

from omni_kit.errors import FailedPrecondition
from omni_order.domain.checkout import compute_totals, units_part
from omni_order.domain.common import record, require_quantity
from omni_order.domain.lifecycle import add_refund, order_line, status_name
from omni_order.domain.orders import (
    LineQuantity,
    Order,
    OrderLine,
    OrderLineStatus,
    OrderStatus,
    Refund,
)
from omni_order.domain.tax import TaxBreakdown, by_rate
from omni_order.domain.values import Actor, ChannelRef, Money, total

RETURNABLE = {
    OrderStatus.PARTIALLY_FULFILLED,
    OrderStatus.FULFILLED,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
    OrderStatus.COLLECTED,
    OrderStatus.PARTIALLY_RETURNED,
}


class ItemCondition(Enum):
    UNSPECIFIED = "ITEM_CONDITION_UNSPECIFIED"
    # Back to sellable stock.
    SELLABLE = "ITEM_CONDITION_SELLABLE"
    # To damaged stock: counted, never available.
    DAMAGED = "ITEM_CONDITION_DAMAGED"


class ReturnResolution(Enum):
    UNSPECIFIED = "RETURN_RESOLUTION_UNSPECIFIED"
    REFUND = "RETURN_RESOLUTION_REFUND"
    # A replacement line (exchange_sku) is added to the order instead of a refund.
    EXCHANGE = "RETURN_RESOLUTION_EXCHANGE"


class ReturnStatus(Enum):
    UNSPECIFIED = "RETURN_STATUS_UNSPECIFIED"
    # Goods received and restocked; refunds or exchanges in progress.
    RECEIVED = "RETURN_STATUS_RECEIVED"
    COMPLETED = "RETURN_STATUS_COMPLETED"
    # A refund failed; needs staff attention.
    REFUND_FAILED = "RETURN_STATUS_REFUND_FAILED"


@dataclass(frozen=True)
class ReturnLine:
    line_id: str
    quantity: int = 0
    condition: ItemCondition = ItemCondition.UNSPECIFIED
    reason: str = ""
    resolution: ReturnResolution = ReturnResolution.UNSPECIFIED
    # Exchanges: the replacement SKU (may equal the returned one) and the line made for it.
    exchange_sku: str = ""
    exchange_line_id: str = ""
    refund_amount: Money | None = None
    refund_tax: TaxBreakdown | None = None


@dataclass
class OrderReturn:
    """Goods of an order that came back, in any channel, restocked where they were received."""

    id: str
    order_id: str = ""
    lines: list[ReturnLine] = field(default_factory=list)
    receiving_location_id: str = ""
    channel: ChannelRef = field(default_factory=ChannelRef)
    status: ReturnStatus = ReturnStatus.UNSPECIFIED
    refund_total: Money = field(default_factory=Money)
    refund_ids: list[str] = field(default_factory=list)
    note: str = ""
    actor: Actor = field(default_factory=Actor)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    refund_tax_lines: list[TaxBreakdown] = field(default_factory=list)


def returned_lines(order: Order, requested: Sequence[ReturnLine]) -> list[ReturnLine]:
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
        lines.append(_defaults(wanted, line))
    return lines


def _defaults(wanted: ReturnLine, line: OrderLine) -> ReturnLine:
    """A sellable item refunded unless said otherwise; an exchange of the same SKU by default.
    A refund gives back what its units were charged, tax included (domain/tax.py's parts)."""
    condition = wanted.condition
    if condition is ItemCondition.UNSPECIFIED:
        condition = ItemCondition.SELLABLE
    resolution = wanted.resolution
    if resolution is ReturnResolution.UNSPECIFIED:
        resolution = ReturnResolution.REFUND
    if resolution is ReturnResolution.EXCHANGE:
        return dataclasses.replace(
            wanted,
            condition=condition,
            resolution=resolution,
            exchange_sku=wanted.exchange_sku or line.sku,
        )
    part = units_part(line, line.cancelled_quantity + line.returned_quantity, wanted.quantity)
    return dataclasses.replace(
        wanted,
        condition=condition,
        resolution=resolution,
        refund_amount=part.gross,
        refund_tax=part,
    )


def number_exchanges(lines: Sequence[ReturnLine], lines_on_order: int) -> list[ReturnLine]:
    """Each exchange gets the id of the replacement line it adds to the order (x<n>)."""
    numbered = []
    for line in lines:
        if line.resolution is ReturnResolution.EXCHANGE:
            exchange_line_id = f"x{lines_on_order + 1}"
            lines_on_order += 1
            line = dataclasses.replace(line, exchange_line_id=exchange_line_id)
        numbered.append(line)
    return numbered


def refund_total(lines: Sequence[ReturnLine], currency: str) -> Money:
    return total((line.refund_amount for line in lines if line.refund_amount), currency)


def refund_taxes(lines: Sequence[ReturnLine]) -> list[TaxBreakdown]:
    """The refunded amounts per rate."""
    return by_rate(line.refund_tax for line in lines if line.refund_tax)


def apply_return(
    order: Order,
    order_return: OrderReturn,
    refund: Refund | None,
    *,
    now: datetime,
) -> None:
    """Count the returned units, record the refund, add exchange replacement lines (handed over
    at the receiving location, so they are fulfilled at once)."""
    for item in order_return.lines:
        line = order_line(order, item.line_id, "lines.line_id")
        returned_before = line.returned_quantity
        line.returned_quantity += item.quantity
        line.status = (
            OrderLineStatus.RETURNED
            if line.returned_quantity == line.fulfilled_quantity
            else OrderLineStatus.PARTIALLY_RETURNED
        )
        if item.resolution == ReturnResolution.EXCHANGE:
            same = item.exchange_sku == line.sku
            replacement = OrderLine(
                line_id=item.exchange_line_id,
                product_id=line.product_id if same else "",
                sku=item.exchange_sku,
                product_name=line.product_name if same else "",
                quantity=item.quantity,
                unit_price=line.unit_price,
                line_total=Money(0, line.unit_price.currency_code),
                status=OrderLineStatus.FULFILLED,
                fulfilled_quantity=item.quantity,
                source_location_ids=[order_return.receiving_location_id],
                exchange_for_line_id=line.line_id,
                tax=units_part(line, line.cancelled_quantity + returned_before, item.quantity),
            )
            order.lines.append(replacement)
    if refund is not None:
        add_refund(order.payments[0], refund, now)
    compute_totals(order)
    originals = [line for line in order.lines if not line.exchange_for_line_id]
    everything_back = all(
        line.returned_quantity == line.quantity - line.cancelled_quantity for line in originals
    )
    to_status = OrderStatus.RETURNED if everything_back else OrderStatus.PARTIALLY_RETURNED
    units = [
        LineQuantity(
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
