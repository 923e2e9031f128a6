"""Quantities, prices and history entries shared by the cart and order rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from omni_kit.errors import InvalidArgument
from omni_order.domain.orders import LineQuantity, Order, OrderHistoryEntry, OrderStatus
from omni_order.domain.tax import TaxClass
from omni_order.domain.values import SYSTEM, Actor, ChannelRef, Money, SalesChannel

MAX_LINE_QUANTITY = 1000


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
    tax_class: TaxClass = TaxClass.STANDARD
    category_ids: tuple[str, ...] = ()

    @property
    def money(self) -> Money:
        return Money(self.amount_minor, self.currency_code)


@dataclass(frozen=True)
class ChannelCurrencies:
    """The currencies a channel sells in (the first is the default for new carts); not
    `restricted` until an admin sets them, when any currency may be chosen."""

    currencies: tuple[str, ...]
    restricted: bool = False


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
    order: Order,
    action: str,
    *,
    to_status: OrderStatus | None = None,
    actor: Actor | None = None,
    channel: ChannelRef | None = None,
    reason: str = "",
    lines: list[LineQuantity] | None = None,
    now: datetime,
) -> None:
    """Append a history entry and apply the transition (if any): every change goes through here."""
    given = channel is not None and channel.channel is not SalesChannel.UNSPECIFIED
    entry = OrderHistoryEntry(
        at=now,
        action=action,
        from_status=order.status,
        to_status=order.status if to_status is None else to_status,
        actor=actor or SYSTEM,
        channel=channel if given and channel is not None else order.channel,
        reason=reason,
        lines=list(lines or []),
    )
    order.history.append(entry)
    order.status = entry.to_status
    order.updated_at = entry.at
