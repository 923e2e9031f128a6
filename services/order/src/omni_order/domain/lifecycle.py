"""After confirmation: cancellation, shipments, pickup, collection and delivery."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from omni_kit.errors import FailedPrecondition, InvalidArgument, NotFound
from omni_order.domain.checkout import (
    CLICK_AND_COLLECT,
    HOME,
    PICKUP_MODES,
    charged_delivery,
    compute_totals,
    units_part,
)
from omni_order.domain.common import record, require_quantity
from omni_order.domain.orders import (
    CancellationReason,
    LineQuantity,
    Order,
    OrderLine,
    OrderLineStatus,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
    Pickup,
    Refund,
    RefundStatus,
    Shipment,
    ShipmentStatus,
)
from omni_order.domain.values import Actor, ChannelRef, Money

CANCELLABLE = {
    OrderStatus.CONFIRMED,
    OrderStatus.PARTIALLY_FULFILLED,
    OrderStatus.READY_FOR_PICKUP,
}
ENDED = {OrderStatus.CANCELLED, OrderStatus.PAYMENT_FAILED, OrderStatus.FAILED}
FULFILLING = {OrderStatus.CONFIRMED, OrderStatus.PARTIALLY_FULFILLED}


def status_name(status: OrderStatus) -> str:
    return status.label


def open_quantity(line: OrderLine) -> int:
    return line.quantity - line.cancelled_quantity - line.fulfilled_quantity


def order_line(order: Order, line_id: str, field: str) -> OrderLine:
    for line in order.lines:
        if line.line_id == line_id:
            return line
    raise NotFound(
        f"order {order.number} has no line {line_id!r}", reason="ORDER_LINE_NOT_FOUND", field=field
    )


def _not_while_pending(order: Order) -> None:
    if order.status in (OrderStatus.PENDING, OrderStatus.ACTION_REQUIRED):
        raise FailedPrecondition(
            f"order {order.number} is still being placed (stock and payment); try again shortly",
            reason="ORDER_PENDING",
            field="order_id",
        )


def cancellation(order: Order, requested: Sequence[LineQuantity]) -> list[LineQuantity]:
    """The units to cancel (empty: nothing left to do, a repeat), or a precise refusal."""
    _not_while_pending(order)
    if order.status in ENDED:
        return []
    fulfilled = any(line.fulfilled_quantity for line in order.lines)
    if order.status not in CANCELLABLE or (not requested and fulfilled):
        raise FailedPrecondition(
            f"order {order.number} is {status_name(order.status)}"
            + (" with fulfilled units" if fulfilled and order.status in CANCELLABLE else "")
            + "; only what is not fulfilled yet can be cancelled (return the goods instead)",
            reason="ORDER_ALREADY_FULFILLED",
            field="order_id",
        )
    if not requested:
        return open_units(order)
    return requested_units(order, requested, "cancelled", "QUANTITY_NOT_CANCELLABLE")


def cancel(
    order: Order,
    units: Sequence[LineQuantity],
    *,
    reason: CancellationReason,
    note: str,
    actor: Actor,
    channel: ChannelRef,
    now: datetime,
) -> str:
    """Apply a cancellation; returns the event kind ("cancelled" or "lines_cancelled")."""
    for unit in units:
        line = order_line(order, unit.line_id, "lines.line_id")
        line.cancelled_quantity += unit.quantity
        if line.cancelled_quantity == line.quantity:
            line.status = OrderLineStatus.CANCELLED
    compute_totals(order)
    if reason is CancellationReason.UNSPECIFIED:
        reason = CancellationReason.OTHER
    if all(line.cancelled_quantity == line.quantity for line in order.lines):
        record(
            order,
            "cancelled",
            to_status=OrderStatus.CANCELLED,
            actor=actor,
            channel=channel,
            reason=note,
            lines=list(units),
            now=now,
        )
        order.cancellation_reason = reason
        order.status_reason = note or reason.value
        return "cancelled"
    record(
        order,
        "lines_cancelled",
        to_status=fulfilment_status(order),
        actor=actor,
        channel=channel,
        reason=note,
        lines=list(units),
        now=now,
    )
    return "lines_cancelled"


def fulfilment_status(order: Order) -> OrderStatus:
    if order.status not in FULFILLING:
        return order.status
    if all(open_quantity(line) == 0 for line in order.lines):
        return OrderStatus.FULFILLED
    if any(line.fulfilled_quantity for line in order.lines):
        return OrderStatus.PARTIALLY_FULFILLED
    return order.status


def shipment_units(
    order: Order, location_id: str, requested: Sequence[LineQuantity]
) -> list[LineQuantity]:
    _not_while_pending(order)
    if order.status not in FULFILLING:
        raise FailedPrecondition(
            f"order {order.number} is {status_name(order.status)}; shipments are created for "
            "confirmed orders with unfulfilled lines",
            reason="ORDER_NOT_FULFILLABLE",
            field="order_id",
        )
    if not requested:
        units = open_units(order, location_id)
        if not units:
            raise FailedPrecondition(
                f"order {order.number} has nothing left to fulfil from {location_id}",
                reason="NOTHING_TO_FULFIL",
                field="source_location_id",
            )
        return units
    return requested_units(order, requested, "fulfilled", "QUANTITY_NOT_FULFILLABLE")


def open_units(order: Order, location_id: str = "") -> list[LineQuantity]:
    """Every unit not fulfilled or cancelled yet (sourced from location_id, when given)."""
    return [
        LineQuantity(line_id=line.line_id, quantity=open_quantity(line), sku=line.sku)
        for line in order.lines
        if open_quantity(line) > 0
        and (
            not location_id
            or not line.source_location_ids
            or location_id in line.source_location_ids
        )
    ]


def requested_units(
    order: Order, requested: Sequence[LineQuantity], verb: str, reason: str
) -> list[LineQuantity]:
    """The units asked for, each within what its line has open, or a refusal naming the line."""
    units = []
    for index, wanted in enumerate(requested):
        line = order_line(order, wanted.line_id, f"lines[{index}].line_id")
        require_quantity(wanted.quantity, f"lines[{index}].quantity")
        if wanted.quantity > open_quantity(line):
            raise FailedPrecondition(
                f"line {line.line_id} ({line.sku}) has {open_quantity(line)} open units; "
                f"{wanted.quantity} cannot be {verb}",
                reason=reason,
                field=f"lines[{index}].quantity",
            )
        units.append(LineQuantity(line_id=line.line_id, quantity=wanted.quantity, sku=line.sku))
    return units


def fulfil(order: Order, units: Sequence[LineQuantity]) -> None:
    for unit in units:
        line = order_line(order, unit.line_id, "lines.line_id")
        line.fulfilled_quantity += unit.quantity
        done = line.fulfilled_quantity + line.cancelled_quantity == line.quantity
        line.status = OrderLineStatus.FULFILLED if done else OrderLineStatus.PARTIALLY_FULFILLED


def add_shipment(
    order: Order,
    shipment_id: str,
    location_id: str,
    units: Sequence[LineQuantity],
    *,
    carrier: str,
    tracking_number: str,
    actor: Actor,
    channel: ChannelRef,
    now: datetime,
) -> Shipment:
    fulfil(order, units)
    shipment = Shipment(
        id=shipment_id,
        source_location_id=location_id,
        destination_location_id=order.delivery.pickup_location_id
        if order.delivery.mode in PICKUP_MODES
        else "",
        carrier=carrier or order.delivery.carrier,
        tracking_number=tracking_number,
        status=ShipmentStatus.CREATED,
        created_at=now,
        lines=list(units),
    )
    order.shipments.append(shipment)
    record(
        order,
        "shipment_created",
        to_status=fulfilment_status(order),
        actor=actor,
        channel=channel,
        lines=list(units),
        now=now,
    )
    return shipment


def find_shipment(order: Order, shipment_id: str) -> Shipment:
    for shipment in order.shipments:
        if shipment.id == shipment_id:
            return shipment
    raise NotFound(
        f"order {order.number} has no shipment {shipment_id!r}",
        reason="SHIPMENT_NOT_FOUND",
        field="shipment_id",
    )


def ship(
    order: Order,
    shipment: Shipment,
    *,
    carrier: str,
    tracking_number: str,
    actor: Actor,
    channel: ChannelRef,
    now: datetime,
) -> bool:
    """Mark a shipment shipped; False when it already was (a repeat)."""
    if shipment.status != ShipmentStatus.CREATED:
        return False
    shipment.status = ShipmentStatus.SHIPPED
    shipment.shipped_at = now
    shipment.carrier = carrier or shipment.carrier
    shipment.tracking_number = tracking_number or shipment.tracking_number
    everything_left = order.status == OrderStatus.FULFILLED and all(
        s.status != ShipmentStatus.CREATED for s in order.shipments
    )
    to_status = OrderStatus.SHIPPED if everything_left and order.delivery.mode == HOME else None
    record(
        order,
        "shipped",
        to_status=to_status,
        actor=actor,
        channel=channel,
        lines=list(shipment.lines),
        now=now,
    )
    return True


def deliver(
    order: Order,
    shipment: Shipment,
    *,
    actor: Actor,
    channel: ChannelRef,
    now: datetime,
) -> bool:
    """Mark a shipment delivered (home, or at the pickup store); False for a repeat."""
    if shipment.status == ShipmentStatus.DELIVERED:
        return False
    if shipment.status != ShipmentStatus.SHIPPED:
        raise FailedPrecondition(
            f"shipment {shipment.id} has not shipped yet; mark it shipped first",
            reason="SHIPMENT_NOT_SHIPPED",
            field="shipment_id",
        )
    shipment.status = ShipmentStatus.DELIVERED
    shipment.delivered_at = now
    all_delivered = all(s.status == ShipmentStatus.DELIVERED for s in order.shipments)
    to_status = (
        OrderStatus.DELIVERED if all_delivered and order.status == OrderStatus.SHIPPED else None
    )
    if to_status is not None and order.delivery.mode == HOME:
        paid_at_handover(order, now)
    record(
        order,
        "delivered",
        to_status=to_status,
        actor=actor,
        channel=channel,
        lines=list(shipment.lines),
        now=now,
    )
    return True


def require_pickup_order(order: Order) -> None:
    if order.delivery.mode not in PICKUP_MODES:
        raise FailedPrecondition(
            f"order {order.number} is delivered to the customer's address, not picked up",
            reason="NOT_A_PICKUP_ORDER",
            field="order_id",
        )


def ready_for_pickup(
    order: Order,
    *,
    deadline: datetime,
    actor: Actor,
    channel: ChannelRef,
    now: datetime,
) -> bool:
    """Generate the pickup code; False for a repeat. Click & collect orders may be ready before
    any shipment (the stock is held at the store until it is collected)."""
    require_pickup_order(order)
    if order.status == OrderStatus.READY_FOR_PICKUP:
        return False
    at_store = order.delivery.mode == CLICK_AND_COLLECT
    ready = order.status == OrderStatus.FULFILLED or (at_store and order.status in FULFILLING)
    if not ready:
        raise FailedPrecondition(
            f"order {order.number} is {status_name(order.status)}; it can be ready for pickup "
            "once all its goods are at the store",
            reason="ORDER_NOT_READY",
            field="order_id",
        )
    order.pickup = Pickup(
        code=f"{secrets.randbelow(10**6):06d}",
        deadline=deadline,
        ready_at=now,
        reminders_sent=order.pickup.reminders_sent if order.pickup else 0,
    )
    record(
        order,
        "ready_for_pickup",
        to_status=OrderStatus.READY_FOR_PICKUP,
        actor=actor,
        channel=channel,
        now=now,
    )
    return True


def collectable(order: Order, code: str) -> list[LineQuantity]:
    """Units still held at the store that leave with the customer (empty for a repeat)."""
    require_pickup_order(order)
    if order.status == OrderStatus.COLLECTED:
        return []
    if order.status != OrderStatus.READY_FOR_PICKUP:
        raise FailedPrecondition(
            f"order {order.number} is {status_name(order.status)}, not ready for pickup",
            reason="ORDER_NOT_READY",
            field="order_id",
        )
    if not secrets.compare_digest(code, order.pickup.code if order.pickup else ""):
        raise InvalidArgument(
            "the pickup code does not match this order",
            field="pickup_code",
            reason="WRONG_PICKUP_CODE",
        )
    return open_units(order)


def collect(
    order: Order,
    units: Sequence[LineQuantity],
    *,
    actor: Actor,
    channel: ChannelRef,
    now: datetime,
) -> None:
    fulfil(order, units)
    order.pickup = order.pickup or Pickup()
    order.pickup.collected_at = now
    paid_at_handover(order, now)
    record(
        order,
        "collected",
        to_status=OrderStatus.COLLECTED,
        actor=actor,
        channel=channel,
        lines=list(units),
        now=now,
    )


def paid_at_handover(order: Order, now: datetime) -> None:
    """Cash on delivery or pay in store: the courier or the till took the order's total (a card
    authorization is captured at its provider before, see payments.capture_payment)."""
    for payment in order.payments:
        if payment.status == PaymentStatus.PENDING:
            payment.status = PaymentStatus.CAPTURED
            payment.captured_amount = order.totals.total
            payment.updated_at = now


def remind(order: Order, now: datetime) -> int:
    order.pickup = order.pickup or Pickup()
    order.pickup.reminders_sent += 1
    record(order, "pickup_reminder", reason="pickup deadline is near", now=now)
    return order.pickup.reminders_sent


def abandon_pickup(order: Order, now: datetime) -> list[LineQuantity]:
    """Not collected by the deadline: cancel the order; returns the units that were already at
    the store (shipped there) and go back to its stock."""
    at_store = [
        LineQuantity(line_id=line.line_id, quantity=line.fulfilled_quantity, sku=line.sku)
        for line in order.lines
        if line.fulfilled_quantity
    ]
    for line in order.lines:
        line.cancelled_quantity = line.quantity
        line.status = OrderLineStatus.CANCELLED
    compute_totals(order)
    reason = "not collected by the pickup deadline"
    record(order, "cancelled", to_status=OrderStatus.CANCELLED, reason=reason, now=now)
    order.cancellation_reason = CancellationReason.PICKUP_NOT_COLLECTED
    order.status_reason = reason
    return at_store


VOID = "void"
REFUND = "refund"
SETTLED = {PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED}


@dataclass(frozen=True)
class PaymentAction:
    """What the payment provider must do for units the order will not fulfil."""

    kind: str  # VOID or REFUND
    payment_id: str
    amount: Money
    # The tax part of a refund's amount.
    tax: Money | None = None


def cancelled_value(order: Order, units: Sequence[LineQuantity]) -> tuple[int, int]:
    """(gross, tax) the order no longer charges after `units` were cancelled: their parts of
    their lines and, when nothing is left, the delivery."""
    lines = {line.line_id: line for line in order.lines}
    parts = []
    for unit in units:
        line = lines[unit.line_id]
        parts.append(units_part(line, line.cancelled_quantity - unit.quantity, unit.quantity))
    if units and order.status == OrderStatus.CANCELLED:
        parts.append(charged_delivery(order.delivery))
    gross = sum(part.gross.amount_minor for part in parts)
    return gross, sum(part.tax.amount_minor for part in parts)


def cancellation_payments(order: Order, units: Sequence[LineQuantity]) -> list[PaymentAction]:
    """After `units` were cancelled: a cancelled order voids its card authorization and gets back
    what was captured; cancelled lines of an order that goes on get back what was captured for
    them (an authorization needs nothing: it is captured for the smaller total later). A refund
    carries its tax part: the tax of what it gives back, pro rata (rounded down) when it gives
    back less."""
    whole = order.status == OrderStatus.CANCELLED
    value, tax = cancelled_value(order, units)
    actions = []
    for payment in order.payments:
        if payment.method != PaymentMethod.ONLINE_CARD:
            continue
        if payment.status == PaymentStatus.AUTHORIZED and whole:
            actions.append(PaymentAction(VOID, payment.id, Money(0, payment.amount.currency_code)))
            continue
        left = payment.captured - payment.refunded
        if payment.status not in SETTLED or left <= 0:
            continue
        amount = left if whole else min(value, left)
        part = tax if amount >= value else tax * amount // value
        value, tax = max(0, value - amount), tax - part
        if amount > 0:
            captured = payment.captured_amount
            currency = (captured.currency_code if captured else "") or payment.amount.currency_code
            refund = PaymentAction(
                REFUND, payment.id, Money(amount, currency), Money(part, currency)
            )
            actions.append(refund)
    return actions


def find_payment(order: Order, payment_id: str) -> Payment:
    for payment in order.payments:
        if payment.id == payment_id:
            return payment
    raise NotFound(
        f"order {order.number} has no payment {payment_id!r}",
        reason="PAYMENT_NOT_FOUND",
        field="payment_id",
    )


def voided(payment: Payment, now: datetime) -> None:
    """The provider cancelled the payment's authorization (or confirmed there was none)."""
    if payment.status in (PaymentStatus.AUTHORIZED, PaymentStatus.PENDING):
        payment.status = PaymentStatus.VOIDED
    payment.updated_at = now


def add_refund(payment: Payment, refund: Refund, now: datetime) -> None:
    """Record a refund on its payment; only one that succeeded counts as money given back."""
    payment.refunds.append(refund)
    payment.updated_at = now
    if refund.status == RefundStatus.SUCCEEDED:
        count_refund(payment, refund)


def count_refund(payment: Payment, refund: Refund) -> None:
    """Money given back: the payment's refunded amount and status."""
    refunded = payment.refunded + refund.amount.amount_minor
    payment.refunded_amount = Money(refunded, refund.amount.currency_code)
    paid = payment.captured or payment.amount.amount_minor
    payment.status = (
        PaymentStatus.REFUNDED if refunded >= paid else PaymentStatus.PARTIALLY_REFUNDED
    )


def refunded(order: Order, payment: Payment, refund: Refund, now: datetime) -> None:
    """A refund for cancelled units, on the payment, the totals and the history."""
    add_refund(payment, refund, now)
    compute_totals(order)
    record(order, "refund_recorded", reason=refund.reason, now=now)
