"""Checkout rules: delivery choices and their price, payment methods, the new order."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from omni_kit.errors import FailedPrecondition, InvalidArgument, NotFound
from omni_order.domain.carts import Cart
from omni_order.domain.common import Price, record, require, require_quantity
from omni_order.domain.orders import (
    Address,
    Delivery,
    DeliveryMode,
    GeoPoint,
    Order,
    OrderLine,
    OrderLineStatus,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
    RefundStatus,
    SagaState,
    SagaStatus,
    SagaStep,
)
from omni_order.domain.tax import (
    TaxableLine,
    TaxBreakdown,
    TaxClass,
    TaxQuote,
    by_rate,
    line_tax,
    sums,
    tax_class_of,
    taxable,
)
from omni_order.domain.values import Actor, ChannelRef, Money

HOME = DeliveryMode.HOME_DELIVERY
CLICK_AND_COLLECT = DeliveryMode.CLICK_AND_COLLECT
SHIP_TO_STORE = DeliveryMode.SHIP_TO_STORE
PICKUP_MODES = {CLICK_AND_COLLECT, SHIP_TO_STORE}
# The delivery's key among the lines of a tax quote.
DELIVERY_LINE = "delivery"


@dataclass(frozen=True)
class DeliveryChoice:
    """The delivery the customer chose at checkout."""

    mode: DeliveryMode = DeliveryMode.UNSPECIFIED
    option_id: str = ""
    address: Address | None = None
    geo: GeoPoint | None = None
    pickup_location_id: str = ""
    carrier: str = ""
    carrier_pickup_point_id: str = ""


@dataclass(frozen=True)
class DeliveryOption:
    """A pickup offered at checkout (carriers' home deliveries are priced by their quotes)."""

    option_id: str
    mode: DeliveryMode
    price: Money
    pickup_location_id: str
    pickup_location_name: str
    distance_km: float
    earliest_at: datetime
    latest_at: datetime


@dataclass(frozen=True)
class ImportLine:
    """A marketplace order's line at the partner's price."""

    sku: str = ""
    quantity: int = 0
    unit_price: Money = field(default_factory=Money)
    partner_line_id: str = ""


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
    mode: DeliveryMode,
    location_id: str,
    name: str,
    distance_km: float,
    currency: str,
    now: datetime,
) -> DeliveryOption:
    prefix, days = ("cc", (0, 1)) if mode == CLICK_AND_COLLECT else ("sts", SHIP_TO_STORE_DAYS)
    return DeliveryOption(
        option_id=f"{prefix}:{location_id}",
        mode=mode,
        price=Money(0 if mode == CLICK_AND_COLLECT else SHIP_TO_STORE_PRICE, currency),
        pickup_location_id=location_id,
        pickup_location_name=name,
        distance_km=distance_km,
        earliest_at=now + timedelta(days=days[0]),
        latest_at=now + timedelta(days=days[1]),
    )


def delivery_for(choice: DeliveryChoice, currency: str, now: datetime) -> Delivery:
    """The order's delivery from a choice; refuses incomplete choices. Pickups are priced
    here, home delivery is not."""
    delivery = Delivery(mode=choice.mode, option_id=choice.option_id)
    if choice.mode == HOME:
        # Unpriced: checkout prices it with the carriers (omni_order.carriers.options), an
        # imported order carries the marketplace's price.
        address = choice.address or Address()
        if not address.lines or not address.country_code or not address.city:
            raise InvalidArgument(
                "home delivery needs an address with lines, city and country_code",
                field="delivery.address",
            )
        delivery.address = address
        delivery.geo = choice.geo or GeoPoint()
        delivery.carrier = choice.carrier
        delivery.price = Money(0, currency)
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
        delivery.price = option.price
        delivery.estimated_at = option.latest_at
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


def require_payment(
    method: PaymentMethod, token: str, mode: DeliveryMode, *, needs_token: bool = True
) -> None:
    if method == PaymentMethod.ONLINE_CARD:
        if not token and needs_token:
            raise InvalidArgument(
                "an online card payment needs the provider's payment_token",
                field="payment_token",
            )
    elif method == PaymentMethod.CASH_ON_DELIVERY:
        if mode != HOME:
            raise FailedPrecondition(
                "cash on delivery is only possible with home delivery",
                reason="PAYMENT_METHOD_NOT_ALLOWED",
                field="payment_method",
            )
    elif method == PaymentMethod.PAY_IN_STORE:
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


def require_checkout(cart: Cart) -> None:
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


def require_expected_total(order: Order, expected: Money) -> None:
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
    lines: list[OrderLine],
    currency: str,
    delivery: Delivery,
    payment_method: PaymentMethod,
    channel: ChannelRef,
    actor: Actor,
    now: datetime,
    customer_id: str = "",
    tax: TaxQuote,
    cart_id: str = "",
    provider: str = "",
) -> Order:
    """A PENDING order whose saga starts at the stock reservation, its lines and delivery taxed
    as quoted (the order keeps those rates)."""
    order = Order(
        id=order_id,
        number=order_number(order_id, now),
        version=1,
        status=OrderStatus.PENDING,
        customer_id=customer_id,
        channel=channel,
        cart_id=cart_id,
        delivery=replace(delivery, tax=tax.lines.get(DELIVERY_LINE)),
        placed_at=now,
        saga=SagaState(step=SagaStep.RESERVE_STOCK, status=SagaStatus.RUNNING, updated_at=now),
        lines=[replace(line, tax=tax.lines[line.line_id]) for line in lines],
        tax_country_code=tax.country_code,
        prices_include_tax=tax.prices_include_tax,
    )
    compute_totals(order, currency)
    payment = Payment(
        id=payment_id,
        method=payment_method,
        status=PaymentStatus.PENDING,
        amount=order.totals.total,
        provider=provider,
        created_at=now,
        updated_at=now,
    )
    order.payments.append(payment)
    if payment_method == PaymentMethod.MARKETPLACE:
        payment.status = PaymentStatus.CAPTURED
        payment.captured_amount = order.totals.total
    record(order, "placed", actor=actor, channel=channel, now=now)
    return order


def lines_from_cart(cart: Cart) -> list[OrderLine]:
    return [
        OrderLine(
            line_id=f"l{index}",
            product_id=line.product_id,
            sku=line.sku,
            product_name=line.product_name,
            quantity=line.quantity,
            unit_price=line.unit_price,
            status=OrderLineStatus.OPEN,
            listing_version=line.listing_version,
            tax=TaxBreakdown(tax_class=tax_class_of(line.tax)),
            discount=line.discount if line.discount and line.discount.amount_minor else None,
        )
        for index, line in enumerate(cart.lines, start=1)
    ]


def taxable_lines(lines: Sequence[OrderLine]) -> list[TaxableLine]:
    return [
        taxable(line.line_id, line.tax, line.unit_price, line.quantity, line.discount)
        for line in lines
    ]


def taxable_order(lines: Sequence[OrderLine], delivery: Delivery) -> list[TaxableLine]:
    """The order's lines and its delivery, taxed as one line of the standard class, all in the
    one quote (docs/api.md, "Tax")."""
    return [*taxable_lines(lines), TaxableLine(DELIVERY_LINE, TaxClass.STANDARD, delivery.price, 1)]


def charged(line: OrderLine) -> TaxBreakdown:
    """The line's amounts as charged; a line placed before tax was kept: its price, untaxed."""
    currency = line.unit_price.currency_code
    if line.tax is not None and line.tax.gross.currency_code == currency:
        return line.tax
    return line_tax(tax_class_of(line.tax), line.unit_price, line.quantity, 0, True)


def charged_delivery(delivery: Delivery) -> TaxBreakdown:
    """The delivery's amounts as charged; one placed before delivery was taxed: untaxed."""
    currency = delivery.price.currency_code
    if delivery.tax is not None and delivery.tax.gross.currency_code == currency:
        return delivery.tax
    return line_tax(TaxClass.STANDARD, delivery.price, 1, 0, True)


def lines_from_import(
    items: Sequence[ImportLine], prices: Mapping[str, Price], partner_id: str
) -> tuple[list[OrderLine], str]:
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
            OrderLine(
                line_id=f"l{index + 1}",
                product_id=price.product_id,
                sku=item.sku,
                product_name=price.product_name,
                quantity=item.quantity,
                unit_price=item.unit_price,
                status=OrderLineStatus.OPEN,
                partner_line_id=item.partner_line_id,
                listing_version=price.listing_version,
                tax=TaxBreakdown(tax_class=price.tax_class),
            )
        )
    return lines, currency


def undiscounted_gross(line: OrderLine, prices_include_tax: bool) -> int:
    """The line's gross as it would be without its discount, at the rate it was charged."""
    taxed = charged(line)
    if not line.discount or not line.discount.amount_minor:
        return taxed.gross.amount_minor
    rate = taxed.rate_basis_points
    again = line_tax(taxed.tax_class, line.unit_price, line.quantity, rate, prices_include_tax)
    return again.gross.amount_minor


def compute_totals(order: Order, currency: str = "") -> None:
    """Totals after cancelled units (each line's kept part, see domain/tax.py) and the delivery
    while any unit is kept; refunds recorded against payments. subtotal is the goods before
    discounts, discount what the vouchers took off their gross; net, tax and tax_lines count
    the delivery's tax with the goods'."""
    currency = currency or order.totals.total.currency_code
    kept = []
    before = 0
    for line in order.lines:
        taxed = charged(line)
        line.line_total = taxed.gross
        if line.exchange_for_line_id:
            continue  # a replacement is paid by the goods returned for it
        kept.append(taxed.minus(taxed.share(line.cancelled_quantity, line.quantity)))
        whole = undiscounted_gross(line, order.prices_include_tax)
        before += whole - whole * line.cancelled_quantity // line.quantity
    goods = sums(kept, currency)[2]
    subtotal = Money(before, currency)
    active = any(line.quantity > line.cancelled_quantity for line in order.lines)
    delivered = charged_delivery(order.delivery)
    charges = [*kept, delivered] if active and delivered.gross.amount_minor else kept
    delivery = delivered.gross.amount_minor if active else 0
    net, tax, _ = sums(charges, currency)
    refunds = [
        refund
        for payment in order.payments
        for refund in payment.refunds
        if refund.status == RefundStatus.SUCCEEDED
    ]
    refunded = sum(payment.refunded for payment in order.payments)
    order.totals.subtotal = subtotal
    order.totals.net = net
    order.totals.tax = tax
    order.totals.tax_lines = by_rate(charges)
    order.totals.delivery = Money(delivery, currency)
    order.totals.discount = Money(before - goods.amount_minor, currency)
    order.totals.total = Money(goods.amount_minor + delivery, currency)
    order.totals.refunded = Money(refunded, currency)
    order.totals.refunded_tax = Money(
        sum(refund.tax.amount_minor for refund in refunds if refund.tax), currency
    )


def units_part(line: OrderLine, first: int, units: int) -> TaxBreakdown:
    """The amounts of `units` of the line counted after its first `first` (cancelled units come
    first, then returned ones): consecutive parts add up to the whole line exactly."""
    taxed = charged(line)
    return taxed.share(first + units, line.quantity).minus(taxed.share(first, line.quantity))
