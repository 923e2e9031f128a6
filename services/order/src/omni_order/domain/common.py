"""Money, quantities, prices and history entries shared by the cart and order rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from omni.common.v1 import common_pb2
from omni.order.v1 import order_pb2
from omni_kit.errors import InvalidArgument
from omni_kit.protos import to_timestamp

MAX_LINE_QUANTITY = 1000
SYSTEM = common_pb2.Actor(kind=common_pb2.ACTOR_KIND_SYSTEM, id="order", display="order service")


@dataclass(frozen=True)
class Price:
    """A SKU's price on a channel now (from the catalog's listing)."""

    sku: str
    product_id: str
    product_name: str
    amount_minor: int
    currency_code: str
    listing_version: int
    published: bool
    # The variant's packed weight (grams) and sides (millimetres), 0 when not known.
    weight_grams: int = 0
    sides_mm: tuple[int, int, int] = (0, 0, 0)


def money(amount_minor: int, currency_code: str) -> common_pb2.Money:
    return common_pb2.Money(amount_minor=amount_minor, currency_code=currency_code)


def require_quantity(quantity: int, field: str) -> int:
    if quantity <= 0:
        raise InvalidArgument(f"{field} must be at least 1 (got {quantity})", field=field)
    if quantity > MAX_LINE_QUANTITY:
        raise InvalidArgument(
            f"{field} may be at most {MAX_LINE_QUANTITY} (got {quantity})", field=field
        )
    return quantity


def require(value: str, field: str) -> str:
    if not value:
        raise InvalidArgument(f"{field} is required", field=field)
    return value


def record(
    order: order_pb2.Order,
    action: str,
    *,
    to_status: int | None = None,
    actor: common_pb2.Actor | None = None,
    channel: common_pb2.ChannelRef | None = None,
    reason: str = "",
    lines: list[order_pb2.LineQuantity] | None = None,
    now: datetime,
) -> None:
    """Append a history entry and apply the transition (if any): every change goes through here."""
    entry = order.history.add(
        at=to_timestamp(now),
        from_status=order.status,
        to_status=order.status if to_status is None else to_status,
        action=action,
        actor=actor or SYSTEM,
        channel=channel if channel is not None and channel.channel else order.channel,
        reason=reason,
    )
    entry.lines.extend(lines or [])
    order.status = entry.to_status
    order.updated_at.CopyFrom(entry.at)
