"""A sale a store's till made: goods handed over and paid there, recorded as a collected POS order.

Pure rules: what a valid till sale is, and the order it becomes. The till has sold already, so
nothing here refuses for stock or price: those are the store's facts, kept as they were."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from omni_kit.errors import InvalidArgument
from omni_order.domain.checkout import new_order
from omni_order.domain.common import record
from omni_order.domain.orders import (
    Delivery,
    DeliveryMode,
    LineQuantity,
    Order,
    OrderLine,
    OrderLineStatus,
    OrderStatus,
    PaymentMethod,
    PaymentStatus,
    Pickup,
    SagaStatus,
    SagaStep,
)
from omni_order.domain.tax import TaxBreakdown, TaxClass, TaxQuote
from omni_order.domain.values import Actor, ChannelRef, Money, SalesChannel

TENDERS = ("cash", "card")
# Taken at the till (cash, or the store's own card terminal): the in-store payment provider.
TILL_PROVIDER = "pay_in_store"


@dataclass(frozen=True)
class TillLine:
    sku: str
    quantity: int
    unit_price: Money
    product_name: str = ""


@dataclass(frozen=True)
class TillCustomer:
    name: str = ""
    email: str = ""
    phone: str = ""


@dataclass(frozen=True)
class TillSale:
    sale_id: str
    store_id: str
    till_id: str
    till_number: int
    sold_at: datetime
    lines: list[TillLine]
    tender: str
    total: Money
    actor: Actor
    # A card stored offline, charged at the centre (empty: paid at the till's own terminal).
    card_token: str = ""
    customer: TillCustomer = TillCustomer()
    # Written on a pre-issued paper receipt (no power at the store) and keyed in later.
    paper_receipt_number: int = 0
    # The till's shift it was sold in (empty: the till keeps no shifts).
    shift_id: str = ""


def check_sale(sale: TillSale) -> None:
    """Refuse a sale that is not whole (INVALID_ARGUMENT naming the field)."""
    try:
        uuid.UUID(sale.sale_id)
    except ValueError:
        raise InvalidArgument(f"sale_id {sale.sale_id!r} is not a UUID", field="sale_id") from None
    for name in ("store_id", "till_id"):
        if not getattr(sale, name):
            raise InvalidArgument(f"{name} is required", field=name)
    if sale.till_number < 1 and not sale.paper_receipt_number:
        raise InvalidArgument("till_number counts from 1", field="till_number")
    if sale.tender not in TENDERS:
        raise InvalidArgument("tender is cash or card", field="tender")
    if not sale.lines:
        raise InvalidArgument("a sale needs at least one line", field="lines")
    for index, line in enumerate(sale.lines):
        if not line.sku:
            raise InvalidArgument("a line needs its sku", field=f"lines[{index}].sku")
        if line.quantity < 1:
            raise InvalidArgument("quantity is 1 or more", field=f"lines[{index}].quantity")
        if line.unit_price.amount_minor < 0:
            raise InvalidArgument("a price is never negative", field=f"lines[{index}].unit_price")
        if line.unit_price.currency_code != sale.total.currency_code:
            raise InvalidArgument(
                f"line in {line.unit_price.currency_code!r}, sale in {sale.total.currency_code!r}",
                field=f"lines[{index}].unit_price.currency_code",
            )
    if sale.card_token and sale.tender != "card":
        raise InvalidArgument("a card token comes only with a card sale", field="card_token")
    if sale.card_token and not (sale.customer.email or sale.customer.phone):
        raise InvalidArgument(
            "a stored card sale needs the customer's e-mail or phone (to ask for the money if the"
            " card is declined)",
            field="customer",
        )
    summed = sum(line.unit_price.amount_minor * line.quantity for line in sale.lines)
    if summed != sale.total.amount_minor:
        raise InvalidArgument(
            f"total {sale.total.amount_minor} is not the sum of the lines ({summed})",
            field="total",
        )


def sale_lines(sale: TillSale, tax_classes: Mapping[str, TaxClass]) -> list[OrderLine]:
    """The sale's lines, handed over, each with its product's tax class (standard when the
    catalog does not know the SKU)."""
    return [
        OrderLine(
            line_id=f"l{index}",
            sku=line.sku,
            product_name=line.product_name,
            quantity=line.quantity,
            unit_price=line.unit_price,
            status=OrderLineStatus.FULFILLED,
            fulfilled_quantity=line.quantity,
            source_location_ids=[sale.store_id],
            tax=TaxBreakdown(tax_class=tax_classes.get(line.sku, TaxClass.STANDARD)),
        )
        for index, line in enumerate(sale.lines, start=1)
    ]


def sale_order(
    sale: TillSale,
    lines: list[OrderLine],
    tax: TaxQuote,
    *,
    order_id: str,
    payment_id: str,
    now: datetime,
) -> Order:
    """The collected, paid POS order of a till sale, placed and taxed at the sale's own time."""
    channel = sale_channel(sale)
    delivery = Delivery(
        mode=DeliveryMode.CLICK_AND_COLLECT,
        pickup_location_id=sale.store_id,
        price=Money(0, sale.total.currency_code),
    )
    order = new_order(
        order_id=order_id,
        payment_id=payment_id,
        lines=lines,
        currency=sale.total.currency_code,
        delivery=delivery,
        payment_method=PaymentMethod.PAY_IN_STORE,
        channel=channel,
        actor=sale.actor,
        now=sale.sold_at,
        tax=tax,
        provider=TILL_PROVIDER,
    )
    payment = order.payments[0]
    payment.status = PaymentStatus.CAPTURED
    payment.captured_amount = order.totals.total
    payment.provider_ref = sale.sale_id
    order.saga.step = SagaStep.DONE
    order.saga.status = SagaStatus.COMPLETED
    order.confirmed_at = sale.sold_at
    order.pickup = Pickup(collected_at=sale.sold_at)
    handed = [LineQuantity(line.line_id, line.quantity, line.sku) for line in lines]
    record(
        order,
        "sold_at_till",
        to_status=OrderStatus.COLLECTED,
        actor=sale.actor,
        channel=channel,
        lines=handed,
        now=sale.sold_at,
    )
    order.updated_at = now
    return order


def sale_channel(sale: TillSale) -> ChannelRef:
    return ChannelRef(SalesChannel.POS, store_id=sale.store_id)
