"""A cart as its owner sees it: lines priced from the channel (with a changed price shown, never
applied silently), the subtotal and how long its stock is held. The stock holds themselves and
the cart's version stay behind the gateway."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

import msgspec

from omni.order.v1 import order_pb2
from omni_gateway.security.principals import Channel
from omni_gateway.views.common import EnumMap, Money, View, channel_of, money_or_none, when_set
from omni_gateway.views.order import Id, Quantity
from omni_gateway.views.tax import TaxBreakdown, tax_breakdown, tax_breakdown_or_none

P = order_pb2


class CartStatus(StrEnum):
    ACTIVE = "active"
    # An order was placed from it (order_id).
    CHECKED_OUT = "checked_out"
    # Its lines moved into another cart (merged_into_cart_id).
    MERGED = "merged"
    EXPIRED = "expired"


CART_STATUS = EnumMap(CartStatus, P.CartStatus, "CART_STATUS_")


class NewLine(View):
    sku: Id
    quantity: Quantity


class LineChange(View):
    quantity: Quantity


class VoucherCode(View):
    # Letters are read as capitals ("spring10" is SPRING10).
    code: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class Merge(View):
    # The visitor's session token from before sign-in: proves the anonymous cart is the caller's.
    anonymous_token: Annotated[str, msgspec.Meta(min_length=1, max_length=4000)]


class CartLine(View):
    line_id: str
    product_id: str
    sku: str
    product_name: str
    quantity: int
    # The price the line was added at.
    unit_price: Money | None
    line_total: Money | None
    priced_at: datetime | None
    # The listing's current price; differs from unit_price when price_changed.
    current_unit_price: Money | None
    # The price changed since the line was added: accept it with POST .../reprice.
    price_changed: bool
    # The line's stock is held for the cart until then.
    hold_expires_at: datetime | None
    # Net, tax and gross of the line at its class's rate, after its discount (gross equals
    # line_total).
    tax: TaxBreakdown | None = None
    # The vouchers' discount on the line, in the channel's listed-price terms (gross where prices
    # include tax, net where they do not).
    discount: Money | None = None


class Cart(View):
    id: str
    status: CartStatus | None
    # The signed-in customer's (empty for a visitor's cart).
    customer_id: str | None
    # The channel of the latest change (a cart started on web continues on the app).
    channel: Channel | None
    currency: str | None
    lines: list[CartLine]
    subtotal: Money | None
    item_count: int
    has_price_changes: bool
    expires_at: datetime | None
    merged_into_cart_id: str | None
    # The order placed from it.
    order_id: str | None
    created_at: datetime | None
    updated_at: datetime | None
    # subtotal split into net and tax, and per rate; where and how the cart is taxed.
    net_total: Money | None = None
    tax_total: Money | None = None
    tax_lines: list[TaxBreakdown] = []
    tax_country_code: str | None = None
    prices_include_tax: bool = False
    # The voucher codes applied; subtotal is the goods before them, discount_total what they take
    # off the gross, total = subtotal - discount_total (what the goods cost).
    voucher_codes: list[str] = []
    discount_total: Money | None = None
    total: Money | None = None


def _line(line: P.CartLine) -> CartLine:
    return CartLine(
        line_id=line.line_id,
        product_id=line.product_id,
        sku=line.sku,
        product_name=line.product_name,
        quantity=line.quantity,
        unit_price=money_or_none(line, "unit_price"),
        line_total=money_or_none(line, "line_total"),
        priced_at=when_set(line, "priced_at"),
        current_unit_price=money_or_none(line, "current_unit_price"),
        price_changed=line.price_changed,
        hold_expires_at=when_set(line, "hold_expires_at"),
        tax=tax_breakdown_or_none(line, "tax"),
        discount=money_or_none(line, "discount"),
    )


def cart_view(cart: P.Cart) -> Cart:
    return Cart(
        id=cart.id,
        status=CART_STATUS.public(cart.status),
        customer_id=cart.customer_id or None,
        channel=channel_of(cart.channel.channel),
        currency=cart.currency_code or None,
        lines=[_line(line) for line in cart.lines],
        subtotal=money_or_none(cart, "subtotal"),
        item_count=cart.item_count,
        has_price_changes=cart.has_price_changes,
        expires_at=when_set(cart, "expires_at"),
        merged_into_cart_id=cart.merged_into_cart_id or None,
        order_id=cart.order_id or None,
        created_at=when_set(cart, "created_at"),
        updated_at=when_set(cart, "updated_at"),
        net_total=money_or_none(cart, "net_total"),
        tax_total=money_or_none(cart, "tax_total"),
        tax_lines=[tax_breakdown(line) for line in cart.tax_lines],
        tax_country_code=cart.tax_country_code or None,
        prices_include_tax=cart.prices_include_tax,
        voucher_codes=list(cart.voucher_codes),
        discount_total=money_or_none(cart, "discount_total"),
        total=money_or_none(cart, "total"),
    )
