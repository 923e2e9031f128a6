"""After confirmation: cancellation, shipments, pickup, collection and delivery."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from omni.common.v1 import common_pb2
from omni.order.v1 import order_pb2
from omni_kit.errors import FailedPrecondition, InvalidArgument, NotFound
from omni_kit.protos import to_timestamp
from omni_order.domain.checkout import CLICK_AND_COLLECT, HOME, PICKUP_MODES, compute_totals
from omni_order.domain.common import money, record, require_quantity

P = order_pb2
CANCELLABLE = {
    P.ORDER_STATUS_CONFIRMED,
    P.ORDER_STATUS_PARTIALLY_FULFILLED,
    P.ORDER_STATUS_READY_FOR_PICKUP,
}
ENDED = {P.ORDER_STATUS_CANCELLED, P.ORDER_STATUS_PAYMENT_FAILED, P.ORDER_STATUS_FAILED}
FULFILLING = {P.ORDER_STATUS_CONFIRMED, P.ORDER_STATUS_PARTIALLY_FULFILLED}


def status_name(status: order_pb2.OrderStatus.ValueType) -> str:
    return P.OrderStatus.Name(status).removeprefix("ORDER_STATUS_").lower().replace("_", " ")


def open_quantity(line: order_pb2.OrderLine) -> int:
    return line.quantity - line.cancelled_quantity - line.fulfilled_quantity


def order_line(order: order_pb2.Order, line_id: str, field: str) -> order_pb2.OrderLine:
    for line in order.lines:
        if line.line_id == line_id:
            return line
    raise NotFound(
        f"order {order.number} has no line {line_id!r}", reason="ORDER_LINE_NOT_FOUND", field=field
    )


def _not_while_pending(order: order_pb2.Order) -> None:
    if order.status in (P.ORDER_STATUS_PENDING, P.ORDER_STATUS_ACTION_REQUIRED):
        raise FailedPrecondition(
            f"order {order.number} is still being placed (stock and payment); try again shortly",
            reason="ORDER_PENDING",
            field="order_id",
        )


def cancellation(
    order: order_pb2.Order, requested: Sequence[order_pb2.LineQuantity]
) -> list[order_pb2.LineQuantity]:
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
    order: order_pb2.Order,
    units: Sequence[order_pb2.LineQuantity],
    *,
    reason: order_pb2.CancellationReason.ValueType,
    note: str,
    actor: common_pb2.Actor,
    channel: common_pb2.ChannelRef,
    now: datetime,
) -> str:
    """Apply a cancellation; returns the event kind ("cancelled" or "lines_cancelled")."""
    for unit in units:
        line = order_line(order, unit.line_id, "lines.line_id")
        line.cancelled_quantity += unit.quantity
        if line.cancelled_quantity == line.quantity:
            line.status = P.ORDER_LINE_STATUS_CANCELLED
    compute_totals(order)
    reason = reason or P.CANCELLATION_REASON_OTHER
    if all(line.cancelled_quantity == line.quantity for line in order.lines):
        record(
            order,
            "cancelled",
            to_status=P.ORDER_STATUS_CANCELLED,
            actor=actor,
            channel=channel,
            reason=note,
            lines=list(units),
            now=now,
        )
        order.cancellation_reason = reason
        order.status_reason = note or P.CancellationReason.Name(reason)
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


def fulfilment_status(order: order_pb2.Order) -> int:
    if order.status not in FULFILLING:
        return order.status
    if all(open_quantity(line) == 0 for line in order.lines):
        return P.ORDER_STATUS_FULFILLED
    if any(line.fulfilled_quantity for line in order.lines):
        return P.ORDER_STATUS_PARTIALLY_FULFILLED
    return order.status


def shipment_units(
    order: order_pb2.Order, location_id: str, requested: Sequence[order_pb2.LineQuantity]
) -> list[order_pb2.LineQuantity]:
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


def open_units(order: order_pb2.Order, location_id: str = "") -> list[order_pb2.LineQuantity]:
    """Every unit not fulfilled or cancelled yet (sourced from location_id, when given)."""
    return [
        P.LineQuantity(line_id=line.line_id, quantity=open_quantity(line), sku=line.sku)
        for line in order.lines
        if open_quantity(line) > 0
        and (
            not location_id
            or not line.source_location_ids
            or location_id in line.source_location_ids
        )
    ]


def requested_units(
    order: order_pb2.Order, requested: Sequence[order_pb2.LineQuantity], verb: str, reason: str
) -> list[order_pb2.LineQuantity]:
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
        units.append(P.LineQuantity(line_id=line.line_id, quantity=wanted.quantity, sku=line.sku))
    return units


def fulfil(order: order_pb2.Order, units: Sequence[order_pb2.LineQuantity]) -> None:
    for unit in units:
        line = order_line(order, unit.line_id, "lines.line_id")
        line.fulfilled_quantity += unit.quantity
        done = line.fulfilled_quantity + line.cancelled_quantity == line.quantity
        line.status = (
            P.ORDER_LINE_STATUS_FULFILLED if done else P.ORDER_LINE_STATUS_PARTIALLY_FULFILLED
        )


def add_shipment(
    order: order_pb2.Order,
    shipment_id: str,
    location_id: str,
    units: Sequence[order_pb2.LineQuantity],
    *,
    carrier: str,
    tracking_number: str,
    actor: common_pb2.Actor,
    channel: common_pb2.ChannelRef,
    now: datetime,
) -> order_pb2.Shipment:
    fulfil(order, units)
    shipment = order.shipments.add(
        id=shipment_id,
        source_location_id=location_id,
        destination_location_id=order.delivery.pickup_location_id
        if order.delivery.mode in PICKUP_MODES
        else "",
        carrier=carrier or order.delivery.carrier,
        tracking_number=tracking_number,
        status=P.SHIPMENT_STATUS_CREATED,
        created_at=to_timestamp(now),
    )
    shipment.lines.extend(units)
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


def find_shipment(order: order_pb2.Order, shipment_id: str) -> order_pb2.Shipment:
    for shipment in order.shipments:
        if shipment.id == shipment_id:
            return shipment
    raise NotFound(
        f"order {order.number} has no shipment {shipment_id!r}",
        reason="SHIPMENT_NOT_FOUND",
        field="shipment_id",
    )


def ship(
    order: order_pb2.Order,
    shipment: order_pb2.Shipment,
    *,
    carrier: str,
    tracking_number: str,
    actor: common_pb2.Actor,
    channel: common_pb2.ChannelRef,
    now: datetime,
) -> bool:
    """Mark a shipment shipped; False when it already was (a repeat)."""
    if shipment.status != P.SHIPMENT_STATUS_CREATED:
        return False
    shipment.status = P.SHIPMENT_STATUS_SHIPPED
    shipment.shipped_at.CopyFrom(to_timestamp(now))
    shipment.carrier = carrier or shipment.carrier
    shipment.tracking_number = tracking_number or shipment.tracking_number
    everything_left = order.status == P.ORDER_STATUS_FULFILLED and all(
        s.status != P.SHIPMENT_STATUS_CREATED for s in order.shipments
    )
    to_status = P.ORDER_STATUS_SHIPPED if everything_left and order.delivery.mode == HOME else None
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
    order: order_pb2.Order,
    shipment: order_pb2.Shipment,
    *,
    actor: common_pb2.Actor,
    channel: common_pb2.ChannelRef,
    now: datetime,
) -> bool:
    """Mark a shipment delivered (home, or at the pickup store); False for a repeat."""
    if shipment.status == P.SHIPMENT_STATUS_DELIVERED:
        return False
    if shipment.status != P.SHIPMENT_STATUS_SHIPPED:
        raise FailedPrecondition(
            f"shipment {shipment.id} has not shipped yet; mark it shipped first",
            reason="SHIPMENT_NOT_SHIPPED",
            field="shipment_id",
        )
    shipment.status = P.SHIPMENT_STATUS_DELIVERED
    shipment.delivered_at.CopyFrom(to_timestamp(now))
    all_delivered = all(s.status == P.SHIPMENT_STATUS_DELIVERED for s in order.shipments)
    to_status = (
        P.ORDER_STATUS_DELIVERED
        if all_delivered and order.status == P.ORDER_STATUS_SHIPPED
        else None
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


def require_pickup_order(order: order_pb2.Order) -> None:
    if order.delivery.mode not in PICKUP_MODES:
        raise FailedPrecondition(
            f"order {order.number} is delivered to the customer's address, not picked up",
            reason="NOT_A_PICKUP_ORDER",
            field="order_id",
        )


def ready_for_pickup(
    order: order_pb2.Order,
    *,
    deadline: datetime,
    actor: common_pb2.Actor,
    channel: common_pb2.ChannelRef,
    now: datetime,
) -> bool:
    """Generate the pickup code; False for a repeat. Click & collect orders may be ready before
    any shipment (the stock is held at the store until it is collected)."""
    require_pickup_order(order)
    if order.status == P.ORDER_STATUS_READY_FOR_PICKUP:
        return False
    at_store = order.delivery.mode == CLICK_AND_COLLECT
    ready = order.status == P.ORDER_STATUS_FULFILLED or (at_store and order.status in FULFILLING)
    if not ready:
        raise FailedPrecondition(
            f"order {order.number} is {status_name(order.status)}; it can be ready for pickup "
            "once all its goods are at the store",
            reason="ORDER_NOT_READY",
            field="order_id",
        )
    order.pickup.code = f"{secrets.randbelow(10**6):06d}"
    order.pickup.deadline.CopyFrom(to_timestamp(deadline))
    order.pickup.ready_at.CopyFrom(to_timestamp(now))
    record(
        order,
        "ready_for_pickup",
        to_status=P.ORDER_STATUS_READY_FOR_PICKUP,
        actor=actor,
        channel=channel,
        now=now,
    )
    return True


def collectable(order: order_pb2.Order, code: str) -> list[order_pb2.LineQuantity]:
    """Units still held at the store that leave with the customer (empty for a repeat)."""
    require_pickup_order(order)
    if order.status == P.ORDER_STATUS_COLLECTED:
        return []
    if order.status != P.ORDER_STATUS_READY_FOR_PICKUP:
        raise FailedPrecondition(
            f"order {order.number} is {status_name(order.status)}, not ready for pickup",
            reason="ORDER_NOT_READY",
            field="order_id",
        )
    if not secrets.compare_digest(code, order.pickup.code):
        raise InvalidArgument(
            "the pickup code does not match this order",
            field="pickup_code",
            reason="WRONG_PICKUP_CODE",
        )
    return open_units(order)


def collect(
    order: order_pb2.Order,
    units: Sequence[order_pb2.LineQuantity],
    *,
    actor: common_pb2.Actor,
    channel: common_pb2.ChannelRef,
    now: datetime,
) -> None:
    fulfil(order, units)
    order.pickup.collected_at.CopyFrom(to_timestamp(now))
    paid_at_handover(order, now)
    record(
        order,
        "collected",
        to_status=P.ORDER_STATUS_COLLECTED,
        actor=actor,
        channel=channel,
        lines=list(units),
        now=now,
    )


def paid_at_handover(order: order_pb2.Order, now: datetime) -> None:
    """Cash on delivery or pay in store: the courier or the till took the order's total (a card
    authorization is captured at its provider before, see payments.capture_payment)."""
    for payment in order.payments:
        if payment.status == P.PAYMENT_STATUS_PENDING:
            payment.status = P.PAYMENT_STATUS_CAPTURED
            payment.captured_amount.CopyFrom(order.totals.total)
            payment.updated_at.CopyFrom(to_timestamp(now))


def remind(order: order_pb2.Order, now: datetime) -> int:
    order.pickup.reminders_sent += 1
    record(order, "pickup_reminder", reason="pickup deadline is near", now=now)
    return order.pickup.reminders_sent


def abandon_pickup(order: order_pb2.Order, now: datetime) -> list[order_pb2.LineQuantity]:
    """Not collected by the deadline: cancel the order; returns the units that were already at
    the store (shipped there) and go back to its stock."""
    at_store = [
        P.LineQuantity(line_id=line.line_id, quantity=line.fulfilled_quantity, sku=line.sku)
        for line in order.lines
        if line.fulfilled_quantity
    ]
    for line in order.lines:
        line.cancelled_quantity = line.quantity
        line.status = P.ORDER_LINE_STATUS_CANCELLED
    compute_totals(order)
    reason = "not collected by the pickup deadline"
    record(order, "cancelled", to_status=P.ORDER_STATUS_CANCELLED, reason=reason, now=now)
    order.cancellation_reason = P.CANCELLATION_REASON_PICKUP_NOT_COLLECTED
    order.status_reason = reason
    return at_store


VOID = "void"
REFUND = "refund"
SETTLED = {P.PAYMENT_STATUS_CAPTURED, P.PAYMENT_STATUS_PARTIALLY_REFUNDED}


@dataclass(frozen=True)
class PaymentAction:
    """What the payment provider must do for units the order will not fulfil."""

    kind: str  # VOID or REFUND
    payment_id: str
    amount: common_pb2.Money


def cancellation_payments(
    order: order_pb2.Order, units: Sequence[order_pb2.LineQuantity]
) -> list[PaymentAction]:
    """After `units` were cancelled: a cancelled order voids its card authorization and gets back
    what was captured; cancelled lines of an order that goes on get back what was captured for
    them (an authorization needs nothing: it is captured for the smaller total later)."""
    whole = order.status == P.ORDER_STATUS_CANCELLED
    prices = {line.line_id: line.unit_price.amount_minor for line in order.lines}
    value = sum(prices[unit.line_id] * unit.quantity for unit in units)
    actions = []
    for payment in order.payments:
        if payment.method != P.PAYMENT_METHOD_ONLINE_CARD:
            continue
        if payment.status == P.PAYMENT_STATUS_AUTHORIZED and whole:
            actions.append(PaymentAction(VOID, payment.id, money(0, payment.amount.currency_code)))
            continue
        left = payment.captured_amount.amount_minor - payment.refunded_amount.amount_minor
        if payment.status not in SETTLED or left <= 0:
            continue
        amount = left if whole else min(value, left)
        value -= amount
        if amount > 0:
            currency = payment.captured_amount.currency_code or payment.amount.currency_code
            actions.append(PaymentAction(REFUND, payment.id, money(amount, currency)))
    return actions


def find_payment(order: order_pb2.Order, payment_id: str) -> order_pb2.Payment:
    for payment in order.payments:
        if payment.id == payment_id:
            return payment
    raise NotFound(
        f"order {order.number} has no payment {payment_id!r}",
        reason="PAYMENT_NOT_FOUND",
        field="payment_id",
    )


def voided(payment: order_pb2.Payment, now: datetime) -> None:
    """The provider cancelled the payment's authorization (or confirmed there was none)."""
    if payment.status in (P.PAYMENT_STATUS_AUTHORIZED, P.PAYMENT_STATUS_PENDING):
        payment.status = P.PAYMENT_STATUS_VOIDED
    payment.updated_at.CopyFrom(to_timestamp(now))


def add_refund(payment: order_pb2.Payment, refund: order_pb2.Refund, now: datetime) -> None:
    """Record a refund on its payment; only one that succeeded counts as money given back."""
    payment.refunds.append(refund)
    payment.updated_at.CopyFrom(to_timestamp(now))
    if refund.status == P.REFUND_STATUS_SUCCEEDED:
        count_refund(payment, refund)


def count_refund(payment: order_pb2.Payment, refund: order_pb2.Refund) -> None:
    """Money given back: the payment's refunded amount and status."""
    refunded = payment.refunded_amount.amount_minor + refund.amount.amount_minor
    payment.refunded_amount.CopyFrom(money(refunded, refund.amount.currency_code))
    paid = payment.captured_amount.amount_minor or payment.amount.amount_minor
    payment.status = (
        P.PAYMENT_STATUS_REFUNDED if refunded >= paid else P.PAYMENT_STATUS_PARTIALLY_REFUNDED
    )


def refunded(
    order: order_pb2.Order, payment: order_pb2.Payment, refund: order_pb2.Refund, now: datetime
) -> None:
    """A refund for cancelled units, on the payment, the totals and the history."""
    add_refund(payment, refund, now)
    compute_totals(order)
    record(order, "refund_recorded", reason=refund.reason, now=now)
