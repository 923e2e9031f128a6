"""From a fact (an order event, stock back, a staff request) to the notification it asks for:
who, about what, with which variables, and the key that makes it happen once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from omni_kit.ids import new_id
from omni_notification.domain import registry
from omni_notification.domain.common import ContactChannel, ContactPurpose, Money


@dataclass(frozen=True)
class Draft:
    customer_id: str
    event_type: str
    # What it is about: the order id, the subscription id.
    subject_id: str
    variables: dict[str, Any] = field(default_factory=dict)
    source_event_id: str = ""
    correlation_id: str = ""
    # Tried first when the customer allows it (a subscription's chosen channel).
    preferred_channel: ContactChannel | None = None


@dataclass(frozen=True)
class OrderLine:
    line_id: str
    sku: str
    product_name: str
    quantity: int


@dataclass(frozen=True)
class Returned:
    """What came back of an order, and where."""

    id: str
    lines: tuple[tuple[str, int], ...]  # (line_id, quantity)
    refund_total: Money
    receiving_location_id: str


@dataclass(frozen=True)
class OrderNotice:
    """What an order event tells a customer about their order."""

    event_type: str
    event_id: str
    correlation_id: str
    order_id: str
    # Empty for an anonymous sale: nobody to tell.
    customer_id: str
    number: str = ""
    total: Money = field(default_factory=Money)
    lines: tuple[OrderLine, ...] = ()
    pickup_location_id: str = ""
    pickup_code: str = ""
    pickup_deadline: datetime | None = None
    # A pickup reminder's number and its own deadline (which wins over the order's).
    reminder_number: int = 0
    reminder_deadline: datetime | None = None
    carrier: str = ""
    tracking_number: str = ""
    returned: Returned | None = None


def dedup_key(event_id: str, customer_id: str, purpose: ContactPurpose) -> str:
    """One notification per event, customer and purpose, however often the event arrives."""
    return f"{event_id}:{customer_id}:{purpose.label}"


def staff_dedup_key() -> str:
    """Each staff send is a notification of its own; the idempotency pipeline answers a repeated
    request with the first one's response."""
    return f"staff:{new_id()}"


def order_draft(notice: OrderNotice) -> Draft | None:
    """The notification an order event asks for; None when the order has no customer profile
    (an anonymous sale)."""
    if not notice.customer_id:
        return None
    subject = notice.event_type
    variables = order_variables(notice)
    if subject in (registry.READY_FOR_PICKUP, registry.PICKUP_REMINDER):
        deadline = notice.pickup_deadline
        if subject == registry.PICKUP_REMINDER:
            variables["reminder_number"] = notice.reminder_number
            deadline = notice.reminder_deadline or deadline
        variables["pickup_code"] = notice.pickup_code
        variables["pickup_deadline"] = deadline or ""
    elif subject in (registry.ORDER_SHIPPED, registry.ORDER_DELIVERED):
        variables["carrier"] = notice.carrier
        variables["tracking_number"] = notice.tracking_number
    elif subject == registry.RETURN_RECEIVED:
        returned = notice.returned or Returned("", (), Money(), "")
        lines = {line.line_id: line for line in notice.lines}
        variables["return_id"] = returned.id
        variables["returned_items"] = [
            _item(lines.get(line_id), quantity) for line_id, quantity in returned.lines
        ]
        variables["refund_total"] = returned.refund_total.display()
        variables["store_id"] = returned.receiving_location_id
    return Draft(
        customer_id=notice.customer_id,
        event_type=subject,
        subject_id=notice.order_id,
        variables=variables,
        source_event_id=notice.event_id,
        correlation_id=notice.correlation_id,
    )


def order_variables(notice: OrderNotice) -> dict[str, Any]:
    items = [_item(line, line.quantity) for line in notice.lines]
    return {
        "order_id": notice.order_id,
        "order_number": notice.number or notice.order_id,
        "order_total": notice.total.display(),
        "item_count": sum(item["quantity"] for item in items),
        "items": items,
        # The store's name, address and hours are added from it when the message is made.
        "store_id": notice.pickup_location_id,
    }


def _item(line: OrderLine | None, quantity: int) -> dict[str, Any]:
    if line is None:
        return {"product_name": "", "sku": "", "quantity": quantity}
    return {"product_name": line.product_name, "sku": line.sku, "quantity": quantity}


def back_in_stock_variables(
    sku: str, product_name: str, location_id: str, available: int
) -> dict[str, Any]:
    return {
        "sku": sku,
        "product_name": product_name or sku,
        "store_id": location_id,
        "available": available,
    }


def is_due(scheduled_at: datetime | None, now: datetime) -> bool:
    return scheduled_at is None or scheduled_at <= now
