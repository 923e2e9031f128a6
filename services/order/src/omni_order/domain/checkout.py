"""Checkout rules: delivery choices and their price, payment methods, the new order."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from omni.common.v1 import common_pb2
from omni.order.v1 import order_pb2
from omni_kit.errors import FailedPrecondition, InvalidArgument, NotFound
from omni_kit.protos import to_timestamp
from omni_order.domain.common import Price, money, record, require, require_quantity

HOME = common_pb2.DELIVERY_MODE_HOME_DELIVERY
CLICK_AND_COLLECT = common_pb2.DELIVERY_MODE_CLICK_AND_COLLECT
SHIP_TO_STORE = common_pb2.DELIVERY_MODE_SHIP_TO_STORE
PICKUP_MODES = {CLICK_AND_COLLECT, SHIP_TO_STORE}


@dataclass(frozen=True)
class Shortfall:
    """A line stock cannot cover: at one location (or anywhere, when location_id is empty)."""

    sku: str
    location_id: str
    requested: int
    available: int


SHIP_TO_STORE_DAYS = (2, 5)
SHIP_TO_STORE_PRICE = 0


def pickup_option(
    mode: common_pb2.DeliveryMode.ValueType,
    location_id: str,
    name: str,
    distance_km: float,
    currency: str,
    now: datetime,
) -> order_pb2.DeliveryOption:
    prefix, days = ("cc", (0, 1)) if mode == CLICK_AND_COLLECT else ("sts", SHIP_TO_STORE_DAYS)
    return order_pb2.DeliveryOption(
        option_id=f"{prefix}:{location_id}",
        mode=mode,
        price=money(0 if mode == CLICK_AND_COLLECT else SHIP_TO_STORE_PRICE, currency),
        pickup_location_id=location_id,
        pickup_location_name=name,
        distance_km=distance_km,
        earliest_at=to_timestamp(now + timedelta(days=days[0])),
        latest_at=to_timestamp(now + timedelta(days=days[1])),
    )


def delivery_for(
    choice: order_pb2.DeliveryChoice, currency: str, now: datetime
) -> order_pb2.Delivery:
    """The order's delivery from a choice; refuses incomplete choices. Pickups are priced
    here, home delivery is not."""
    delivery = order_pb2.Delivery(mode=choice.mode, option_id=choice.option_id)
    if choice.mode == HOME:
        # Unpriced: checkout prices it with the carriers (omni_order.carriers.options), an
        # imported order carries the marketplace's price.
        address = choice.address
        if not address.lines or not address.country_code or not address.city:
            raise InvalidArgument(
                "home delivery needs an address with lines, city and country_code",
                field="delivery.address",
            )
        delivery.address.CopyFrom(address)
        delivery.geo.CopyFrom(choice.geo)
        delivery.carrier = choice.carrier
        delivery.price.CopyFrom(money(0, currency))
        return delivery
    if choice.mode in PICKUP_MODES:
        if not choice.pickup_location_id:
            raise InvalidArgument(
                "click & collect and ship-to-store need a pickup_location_id",
                field="delivery.pickup_location_id",
            )
        option = pickup_option(choice.mode, choice.pickup_location_id, "", 0.0, currency, now)
        delivery.pickup_location_id = choice.pickup_location_id
        delivery.option_id = option.option_id
        delivery.price.CopyFrom(option.price)
        delivery.estimated_at.CopyFrom(option.latest_at)
        return delivery
    raise InvalidArgument(
        "delivery.mode must be home delivery, click & collect or ship-to-store",
        field="delivery.mode",
    )


def require_pickup_store(location_name: str, click_and_collect: bool, active: bool) -> None:
    if not active or not click_and_collect:
        raise FailedPrecondition(
            f"store {location_name} does not offer click & collect; choose another store",
            reason="STORE_WITHOUT_CLICK_AND_COLLECT",
            field="delivery.pickup_location_id",
        )


def require_payment(method: int, token: str, mode: int, *, needs_token: bool = True) -> None:
    if method == order_pb2.PAYMENT_METHOD_ONLINE_CARD:
        if not token and needs_token:
            raise InvalidArgument(
                "an online card payment needs the provider's payment_token",
                field="payment_token",
            )
    elif method == order_pb2.PAYMENT_METHOD_CASH_ON_DELIVERY:
        if mode != HOME:
            raise FailedPrecondition(
                "cash on delivery is only possible with home delivery",
                reason="PAYMENT_METHOD_NOT_ALLOWED",
                field="payment_method",
            )
    elif method == order_pb2.PAYMENT_METHOD_PAY_IN_STORE:
        if mode not in PICKUP_MODES:
            raise FailedPrecondition(
                "pay in store is only possible with click & collect or ship-to-store",
                reason="PAYMENT_METHOD_NOT_ALLOWED",
                field="payment_method",
            )
    else:
        raise InvalidArgument(
            "payment_method must be online card, cash on delivery or pay in store",
            field="payment_method",
        )


def require_checkout(cart: order_pb2.Cart) -> None:
    if not cart.lines:
        raise FailedPrecondition(
            f"cart {cart.id} is empty; add a product before checking out",
            reason="CART_EMPTY",
            field="cart_id",
        )
    if cart.has_price_changes:
        changed = [line.sku for line in cart.lines if line.price_changed]
        raise FailedPrecondition(
            "prices changed since the cart was built for "
            + ", ".join(changed)
            + "; review the cart and accept the new prices (RepriceCart)",
            reason="PRICE_CHANGED",
            field="cart_id",
            metadata={"skus": ",".join(changed)},
        )


def stock_refusal(short: Sequence[Shortfall]) -> FailedPrecondition:
    """Checkout refused because stock cannot cover some lines: each SKU with its units."""
    where = f" at {short[0].location_id}" if short[0].location_id else ""
    listed = "; ".join(f"{s.sku}: {s.requested} wanted, {s.available} available" for s in short)
    first = short[0]
    return FailedPrecondition(
        f"not enough stock{where} for this cart ({listed}); change the quantities or the delivery",
        reason="INSUFFICIENT_STOCK",
        field="delivery.pickup_location_id" if first.location_id else "cart_id",
        metadata={
            "sku": first.sku,
            "location_id": first.location_id,
            "requested": first.requested,
            "available": first.available,
            "skus": ",".join(s.sku for s in short),
        },
    )


def require_expected_total(order: order_pb2.Order, expected: common_pb2.Money) -> None:
    if expected.currency_code and expected != order.totals.total:
        actual = order.totals.total
        raise FailedPrecondition(
            f"the order total is {actual.amount_minor} {actual.currency_code} (minor units), "
            f"not {expected.amount_minor} {expected.currency_code}",
            reason="TOTAL_CHANGED",
            field="expected_total",
        )


def order_number(order_id: str, now: datetime) -> str:
    return f"{now:%y%m%d}-{order_id[-6:].upper()}"


def new_order(
    *,
    order_id: str,
    payment_id: str,
    lines: list[order_pb2.OrderLine],
    currency: str,
    delivery: order_pb2.Delivery,
    payment_method: int,
    channel: common_pb2.ChannelRef,
    actor: common_pb2.Actor,
    now: datetime,
    customer_id: str = "",
    cart_id: str = "",
    provider: str = "",
) -> order_pb2.Order:
    """A PENDING order whose saga starts at the stock reservation."""
    order = order_pb2.Order(
        id=order_id,
        number=order_number(order_id, now),
        version=1,
        status=order_pb2.ORDER_STATUS_PENDING,
        customer_id=customer_id,
        channel=channel,
        cart_id=cart_id,
        delivery=delivery,
        placed_at=to_timestamp(now),
        saga=order_pb2.SagaState(
            step=order_pb2.SAGA_STEP_RESERVE_STOCK,
            status=order_pb2.SAGA_STATUS_RUNNING,
            updated_at=to_timestamp(now),
        ),
    )
    order.lines.extend(lines)
    compute_totals(order, currency)
    order.payments.add(
        id=payment_id,
        method=payment_method,
        status=order_pb2.PAYMENT_STATUS_PENDING,
        amount=order.totals.total,
        provider=provider,
        created_at=to_timestamp(now),
        updated_at=to_timestamp(now),
    )
    if payment_method == order_pb2.PAYMENT_METHOD_MARKETPLACE:
        order.payments[0].status = order_pb2.PAYMENT_STATUS_CAPTURED
        order.payments[0].captured_amount.CopyFrom(order.totals.total)
    record(order, "placed", actor=actor, channel=channel, now=now)
    return order


def lines_from_cart(cart: order_pb2.Cart) -> list[order_pb2.OrderLine]:
    return [
        order_pb2.OrderLine(
            line_id=f"l{index}",
            product_id=line.product_id,
            sku=line.sku,
            product_name=line.product_name,
            quantity=line.quantity,
            unit_price=line.unit_price,
            status=order_pb2.ORDER_LINE_STATUS_OPEN,
            listing_version=line.listing_version,
        )
        for index, line in enumerate(cart.lines, start=1)
    ]


def lines_from_import(
    items: Sequence[order_pb2.ImportLine], prices: Mapping[str, Price], partner_id: str
) -> tuple[list[order_pb2.OrderLine], str]:
    """A partner's lines at the partner's prices (one currency), each SKU listed for it; with
    that currency."""
    currency = items[0].unit_price.currency_code
    lines = []
    for index, item in enumerate(items):
        require(item.sku, f"lines[{index}].sku")
        require_quantity(item.quantity, f"lines[{index}].quantity")
        if item.unit_price.currency_code != currency or not currency:
            raise InvalidArgument(
                "every line needs a unit_price in the same currency",
                field=f"lines[{index}].unit_price",
            )
        price = prices.get(item.sku)
        if price is None or not price.published:
            raise NotFound(
                f"SKU {item.sku!r} is not listed for marketplace partner {partner_id}",
                reason="PRODUCT_NOT_LISTED",
                field=f"lines[{index}].sku",
            )
        lines.append(
            order_pb2.OrderLine(
                line_id=f"l{index + 1}",
                product_id=price.product_id,
                sku=item.sku,
                product_name=price.product_name,
                quantity=item.quantity,
                unit_price=item.unit_price,
                status=order_pb2.ORDER_LINE_STATUS_OPEN,
                partner_line_id=item.partner_line_id,
                listing_version=price.listing_version,
            )
        )
    return lines, currency


def compute_totals(order: order_pb2.Order, currency: str = "") -> None:
    """Totals after cancelled units; refunds recorded against payments."""
    currency = currency or order.totals.total.currency_code
    subtotal = 0
    for line in order.lines:
        line.line_total.CopyFrom(money(line.unit_price.amount_minor * line.quantity, currency))
        if line.exchange_for_line_id:
            continue  # a replacement is paid by the goods returned for it
        subtotal += line.unit_price.amount_minor * (line.quantity - line.cancelled_quantity)
    active = any(line.quantity > line.cancelled_quantity for line in order.lines)
    delivery = order.delivery.price.amount_minor if active else 0
    refunded = sum(payment.refunded_amount.amount_minor for payment in order.payments)
    order.totals.subtotal.CopyFrom(money(subtotal, currency))
    order.totals.delivery.CopyFrom(money(delivery, currency))
    order.totals.discount.CopyFrom(money(0, currency))
    order.totals.total.CopyFrom(money(subtotal + delivery, currency))
    order.totals.refunded.CopyFrom(money(refunded, currency))
