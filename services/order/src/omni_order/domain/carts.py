"""Cart rules: who owns a cart, pricing lines from the channel's listing, totals, merging."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta

from omni.order.v1 import order_pb2
from omni_kit.errors import FailedPrecondition, InvalidArgument, NotFound
from omni_kit.protos import to_timestamp
from omni_order.domain.common import Price, money

CURRENCY = re.compile(r"^[A-Z]{3}$")
CART_LIFETIME = timedelta(days=30)


def cart_owner(customer_id: str, anonymous_id: str) -> tuple[str, str]:
    """The (field, value) a cart belongs to: exactly one of customer and anonymous visitor."""
    if bool(customer_id) == bool(anonymous_id):
        raise InvalidArgument(
            "give exactly one of customer_id and anonymous_id", field="customer_id"
        )
    return ("customer_id", customer_id) if customer_id else ("anonymous_id", anonymous_id)


def cart_currency(currency_code: str) -> str:
    code = currency_code or "EUR"
    if not CURRENCY.match(code):
        raise InvalidArgument(
            f"currency_code {currency_code!r} must be an ISO 4217 code like 'EUR'",
            field="currency_code",
        )
    return code


def cart_expiry(now: datetime) -> datetime:
    return now + CART_LIFETIME


def require_active(cart: order_pb2.Cart, expected_version: int = 0) -> None:
    if cart.status != order_pb2.CART_STATUS_ACTIVE:
        state = order_pb2.CartStatus.Name(cart.status).removeprefix("CART_STATUS_").lower()
        raise FailedPrecondition(
            f"cart {cart.id} is {state}; only an active cart can change",
            reason="CART_NOT_ACTIVE",
            field="cart_id",
        )
    if expected_version and expected_version != cart.version:
        raise FailedPrecondition(
            f"cart {cart.id} is at version {cart.version}, not {expected_version}; "
            "reload it and try again",
            reason="CART_VERSION_MISMATCH",
            field="expected_version",
        )


def sellable_price(
    prices: Mapping[str, Price], sku: str, channel_name: str, currency: str
) -> Price:
    """The listing price to add a SKU at, or a precise refusal."""
    price = prices.get(sku)
    if price is None:
        raise NotFound(
            f"SKU {sku!r} is not in the catalog or not listed on the {channel_name} channel",
            reason="PRODUCT_NOT_LISTED",
            field="sku",
        )
    if not price.published:
        raise FailedPrecondition(
            f"SKU {sku!r} is not published on the {channel_name} channel",
            reason="PRODUCT_NOT_PUBLISHED",
            field="sku",
        )
    if price.currency_code != currency:
        raise FailedPrecondition(
            f"SKU {sku!r} is priced in {price.currency_code} on the {channel_name} channel, "
            f"but the cart is in {currency}",
            reason="CURRENCY_MISMATCH",
            field="sku",
        )
    return price


def find_line(
    cart: order_pb2.Cart, *, line_id: str = "", sku: str = ""
) -> order_pb2.CartLine | None:
    for line in cart.lines:
        if (line_id and line.line_id == line_id) or (sku and line.sku == sku):
            return line
    return None


def existing_line(cart: order_pb2.Cart, line_id: str) -> order_pb2.CartLine:
    line = find_line(cart, line_id=line_id)
    if line is None:
        raise NotFound(
            f"cart {cart.id} has no line {line_id!r}", reason="CART_LINE_NOT_FOUND", field="line_id"
        )
    return line


def set_line(
    cart: order_pb2.Cart,
    line: order_pb2.CartLine,
    *,
    quantity: int,
    reservation_id: str,
    hold_expires_at: datetime | None,
    price: Price | None = None,
    now: datetime,
) -> None:
    """Set a line's quantity and stock hold; a given price re-prices it (new or accepted line)."""
    line.quantity = quantity
    line.reservation_id = reservation_id
    if hold_expires_at is not None:
        line.hold_expires_at.CopyFrom(to_timestamp(hold_expires_at))
    if price is not None:
        line.product_id = price.product_id
        line.product_name = price.product_name
        line.unit_price.CopyFrom(money(price.amount_minor, price.currency_code))
        line.listing_version = price.listing_version
        line.priced_at.CopyFrom(to_timestamp(now))
        line.current_unit_price.CopyFrom(line.unit_price)
        line.price_changed = False
    if line not in cart.lines:
        cart.lines.append(line)
    recompute(cart)


def remove_line(cart: order_pb2.Cart, line_id: str) -> order_pb2.CartLine:
    line = existing_line(cart, line_id)
    kept = [other for other in cart.lines if other.line_id != line_id]
    del cart.lines[:]
    cart.lines.extend(kept)
    recompute(cart)
    return line


def show_current_prices(cart: order_pb2.Cart, prices: Mapping[str, Price]) -> list[str]:
    """Mark lines whose listing price moved since they were added (never applied silently);
    returns the SKUs no longer sold on the channel."""
    gone = []
    for line in cart.lines:
        price = prices.get(line.sku)
        if price is None or not price.published:
            gone.append(line.sku)
            continue
        line.current_unit_price.CopyFrom(money(price.amount_minor, price.currency_code))
        line.price_changed = line.current_unit_price != line.unit_price
    recompute(cart)
    return gone


def accept_current_prices(cart: order_pb2.Cart, prices: Mapping[str, Price], now: datetime) -> None:
    """RepriceCart: take the current listing price of every changed line."""
    for line in cart.lines:
        price = prices.get(line.sku)
        if (
            price is not None
            and price.published
            and price.amount_minor != line.unit_price.amount_minor
        ):
            line.unit_price.CopyFrom(money(price.amount_minor, price.currency_code))
            line.listing_version = price.listing_version
            line.priced_at.CopyFrom(to_timestamp(now))
        if price is not None:
            line.current_unit_price.CopyFrom(money(price.amount_minor, price.currency_code))
        line.price_changed = False
    recompute(cart)


def recompute(cart: order_pb2.Cart) -> None:
    subtotal = 0
    for line in cart.lines:
        line.line_total.CopyFrom(
            money(line.unit_price.amount_minor * line.quantity, cart.currency_code)
        )
        subtotal += line.line_total.amount_minor
    cart.subtotal.CopyFrom(money(subtotal, cart.currency_code))
    cart.item_count = sum(line.quantity for line in cart.lines)
    cart.has_price_changes = any(line.price_changed for line in cart.lines)


def merge_plan(
    target: order_pb2.Cart, source: order_pb2.Cart
) -> list[tuple[order_pb2.CartLine, order_pb2.CartLine | None]]:
    """Pairs (source line, target line with the same SKU or None) for MergeCarts."""
    if source.currency_code != target.currency_code:
        raise FailedPrecondition(
            f"cart {source.id} is in {source.currency_code} and cart {target.id} in "
            f"{target.currency_code}; they cannot be merged",
            reason="CURRENCY_MISMATCH",
            field="source_cart_id",
        )
    return [(line, find_line(target, sku=line.sku)) for line in source.lines]
