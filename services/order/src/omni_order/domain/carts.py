"""Cart rules: who owns a cart, pricing lines from the channel's listing, totals, merging."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum

from omni_kit.errors import FailedPrecondition, InvalidArgument, NotFound
from omni_order.domain.common import ChannelCurrencies, Price
from omni_order.domain.tax import (
    TaxableLine,
    TaxBreakdown,
    TaxQuote,
    by_rate,
    sums,
    taxable,
)
from omni_order.domain.values import ChannelRef, Money, total
from omni_order.domain.vouchers import DiscountLine, Voucher, discounts

CURRENCY = re.compile(r"^[A-Z]{3}$")
CART_LIFETIME = timedelta(days=30)


class CartStatus(Enum):
    UNSPECIFIED = "CART_STATUS_UNSPECIFIED"
    ACTIVE = "CART_STATUS_ACTIVE"
    # An order was placed from it.
    CHECKED_OUT = "CART_STATUS_CHECKED_OUT"
    # Its lines moved into another cart (merged_into_cart_id).
    MERGED = "CART_STATUS_MERGED"
    EXPIRED = "CART_STATUS_EXPIRED"


@dataclass
class CartLine:
    line_id: str
    sku: str
    product_id: str = ""
    product_name: str = ""
    quantity: int = 0
    # The price the line was added at, and its listing version (the price snapshot).
    unit_price: Money = field(default_factory=Money)
    line_total: Money = field(default_factory=Money)
    listing_version: int = 0
    priced_at: datetime | None = None
    # The listing's price now; shown when it moved, never applied silently (RepriceCart does).
    current_unit_price: Money = field(default_factory=Money)
    price_changed: bool = False
    # The cart-hold reservation for this line, and when it lapses.
    reservation_id: str = ""
    hold_expires_at: datetime | None = None
    # Its net, tax and gross; tax.tax_class is the product's class from the listing (None: a
    # line stored before tax was kept).
    tax: TaxBreakdown | None = None
    # The vouchers' discount on the line (listed-price terms); the product's categories.
    discount: Money | None = None
    category_ids: list[str] = field(default_factory=list)


@dataclass
class Cart:
    id: str
    version: int = 0
    status: CartStatus = CartStatus.UNSPECIFIED
    # Exactly one owner: a signed-in customer or an anonymous visitor's device token.
    customer_id: str = ""
    anonymous_id: str = ""
    # The channel of the latest change (a cart started on web continues on app).
    channel: ChannelRef = field(default_factory=ChannelRef)
    currency_code: str = ""
    lines: list[CartLine] = field(default_factory=list)
    subtotal: Money = field(default_factory=Money)
    item_count: int = 0
    has_price_changes: bool = False
    expires_at: datetime | None = None
    merged_into_cart_id: str = ""
    # The order placed from this cart.
    order_id: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None
    tax_lines: list[TaxBreakdown] = field(default_factory=list)
    net_total: Money | None = None
    tax_total: Money | None = None
    tax_country_code: str = ""
    prices_include_tax: bool = False
    voucher_codes: list[str] = field(default_factory=list)
    discount_total: Money | None = None
    total: Money | None = None


def cart_owner(customer_id: str, anonymous_id: str) -> tuple[str, str]:
    """The (field, value) a cart belongs to: exactly one of customer and anonymous visitor."""
    if bool(customer_id) == bool(anonymous_id):
        raise InvalidArgument(
            "give exactly one of customer_id and anonymous_id", field="customer_id"
        )
    return ("customer_id", customer_id) if customer_id else ("anonymous_id", anonymous_id)


def cart_currency(currency_code: str, channel: ChannelCurrencies) -> str:
    """The currency a new cart is in: the one asked for, which the channel must sell in, else the
    channel's first."""
    code = currency_code or channel.currencies[0]
    if not CURRENCY.match(code):
        raise InvalidArgument(
            f"currency_code {currency_code!r} must be an ISO 4217 code like 'EUR'",
            field="currency_code",
        )
    if channel.restricted and code not in channel.currencies:
        raise InvalidArgument(
            f"the channel does not sell in {code} (it sells in {', '.join(channel.currencies)})",
            reason="CURRENCY_NOT_SOLD",
            field="currency_code",
        )
    return code


def cart_expiry(now: datetime) -> datetime:
    return now + CART_LIFETIME


def require_active(cart: Cart, expected_version: int = 0) -> None:
    if cart.status != CartStatus.ACTIVE:
        state = cart.status.name.lower()
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


def find_line(cart: Cart, *, line_id: str = "", sku: str = "") -> CartLine | None:
    for line in cart.lines:
        if (line_id and line.line_id == line_id) or (sku and line.sku == sku):
            return line
    return None


def existing_line(cart: Cart, line_id: str) -> CartLine:
    line = find_line(cart, line_id=line_id)
    if line is None:
        raise NotFound(
            f"cart {cart.id} has no line {line_id!r}", reason="CART_LINE_NOT_FOUND", field="line_id"
        )
    return line


def set_line(
    cart: Cart,
    line: CartLine,
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
        line.hold_expires_at = hold_expires_at
    if price is not None:
        line.product_id = price.product_id
        line.product_name = price.product_name
        line.unit_price = price.money
        line.listing_version = price.listing_version
        line.priced_at = now
        line.current_unit_price = line.unit_price
        line.price_changed = False
        line.tax = TaxBreakdown(tax_class=price.tax_class)
        line.category_ids = list(price.category_ids)
    if not any(other is line for other in cart.lines):
        cart.lines.append(line)
    recompute(cart)


def remove_line(cart: Cart, line_id: str) -> CartLine:
    line = existing_line(cart, line_id)
    cart.lines = [other for other in cart.lines if other.line_id != line_id]
    recompute(cart)
    return line


def show_current_prices(cart: Cart, prices: Mapping[str, Price]) -> list[str]:
    """Mark lines whose listing price moved since they were added (never applied silently);
    returns the SKUs no longer sold on the channel."""
    gone = []
    for line in cart.lines:
        price = prices.get(line.sku)
        if price is None or not price.published or price.currency_code != cart.currency_code:
            gone.append(line.sku)
            continue
        line.current_unit_price = price.money
        line.price_changed = line.current_unit_price != line.unit_price
    recompute(cart)
    return gone


def accept_current_prices(cart: Cart, prices: Mapping[str, Price], now: datetime) -> None:
    """RepriceCart: take the current listing price of every changed line."""
    for line in cart.lines:
        price = prices.get(line.sku)
        if (
            price is not None
            and price.published
            and price.currency_code == cart.currency_code
            and price.amount_minor != line.unit_price.amount_minor
        ):
            line.unit_price = price.money
            line.listing_version = price.listing_version
            line.priced_at = now
            line.tax = TaxBreakdown(tax_class=price.tax_class)
            line.category_ids = list(price.category_ids)
        if price is not None and price.currency_code == cart.currency_code:
            line.current_unit_price = price.money
        line.price_changed = False
    recompute(cart)


def recompute(cart: Cart) -> None:
    subtotal = 0
    for line in cart.lines:
        line.line_total = Money(line.unit_price.amount_minor * line.quantity, cart.currency_code)
        subtotal += line.line_total.amount_minor
    cart.subtotal = Money(subtotal, cart.currency_code)
    cart.item_count = sum(line.quantity for line in cart.lines)
    cart.has_price_changes = any(line.price_changed for line in cart.lines)


def discount_lines(cart: Cart) -> list[DiscountLine]:
    return [
        DiscountLine(
            line.line_id,
            line.unit_price.amount_minor * line.quantity,
            line.product_id,
            line.sku,
            tuple(line.category_ids),
        )
        for line in cart.lines
    ]


def apply_discounts(cart: Cart, vouchers: Sequence[Voucher]) -> None:
    """Each line's discount from the cart's vouchers (in the order applied)."""
    taken = discounts(vouchers, discount_lines(cart), cart.currency_code)
    for line in cart.lines:
        line.discount = Money(taken[line.line_id], cart.currency_code)


def goods_amount(cart: Cart) -> int:
    """What the goods cost at their listed prices, before discounts (for minimum spends)."""
    return sum(line.unit_price.amount_minor * line.quantity for line in cart.lines)


def taxable_lines(cart: Cart) -> list[TaxableLine]:
    return [
        taxable(line.line_id, line.tax, line.unit_price, line.quantity, line.discount)
        for line in cart.lines
    ]


def apply_tax(cart: Cart, quote: TaxQuote) -> None:
    """Each line's net, tax and gross (after its discount) from the quote; the cart's sums and
    per-rate totals. subtotal is the goods' gross before discounts, total after them."""
    taxes = [quote.lines[line.line_id] for line in cart.lines]
    before = quote.undiscounted
    for line, taxed in zip(cart.lines, taxes, strict=True):
        line.tax = taxed
        line.line_total = taxed.gross
    cart.tax_lines = by_rate(taxes)
    cart.net_total, cart.tax_total, cart.total = sums(taxes, cart.currency_code)
    cart.subtotal = total((before[line.line_id] for line in cart.lines), cart.currency_code)
    cart.discount_total = Money(
        cart.subtotal.amount_minor - cart.total.amount_minor, cart.currency_code
    )
    cart.tax_country_code = quote.country_code
    cart.prices_include_tax = quote.prices_include_tax


def merge_plan(target: Cart, source: Cart) -> list[tuple[CartLine, CartLine | None]]:
    """Pairs (source line, target line with the same SKU or None) for MergeCarts."""
    if source.currency_code != target.currency_code:
        raise FailedPrecondition(
            f"cart {source.id} is in {source.currency_code} and cart {target.id} in "
            f"{target.currency_code}; they cannot be merged",
            reason="CURRENCY_MISMATCH",
            field="source_cart_id",
        )
    return [(line, find_line(target, sku=line.sku)) for line in source.lines]
