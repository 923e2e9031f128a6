"""Orders as customers, partners and staff see them, mapped from `omni.order.v1.Order`.

Customers see their order: lines, delivery, pickup, payments (method, status, amounts: no
provider references), shipments and totals. Partners also see their own order id and buyer.
Staff also see the cart it came from, the payment provider's references and the history (every
transition, who caused it and through which channel). Saga state and the stock reservation stay
behind the gateway. The request bodies of checkout, cancellation and marketplace imports are
here too; delivery and shipments are in `views/delivery.py`, returns in `views/fulfilment.py`.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

import msgspec
from litestar.params import Parameter

from omni.common.v1 import common_pb2
from omni.order.v1 import order_pb2
from omni_gateway.security.principals import Channel
from omni_gateway.views.common import (
    EnumMap,
    Money,
    View,
    channel_of,
    money_or_none,
    to_proto_money,
    when_set,
)
from omni_gateway.views.delivery import (
    DeliveryChoice,
    LineQuantity,
    OrderDelivery,
    Pickup,
    Shipment,
    Text,
    delivery_view,
    line_quantities,
    pickup_view,
    shipment_view,
)
from omni_gateway.views.payment import (
    PAYMENT_METHOD,
    Payment,
    PaymentMethod,
    StaffPayment,
    payment_view,
    staff_payment_view,
)
from omni_gateway.views.tax import TaxBreakdown, tax_breakdown, tax_breakdown_or_none

P = order_pb2
Id = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
Quantity = Annotated[int, msgspec.Meta(ge=1, le=1000)]
PageSize = Annotated[int, Parameter(ge=1, le=200)]


class OrderStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    PAYMENT_FAILED = "payment_failed"
    CANCELLED = "cancelled"
    PARTIALLY_FULFILLED = "partially_fulfilled"
    FULFILLED = "fulfilled"
    READY_FOR_PICKUP = "ready_for_pickup"
    COLLECTED = "collected"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    PARTIALLY_RETURNED = "partially_returned"
    RETURNED = "returned"
    FAILED = "failed"


class LineStatus(StrEnum):
    OPEN = "open"
    PARTIALLY_FULFILLED = "partially_fulfilled"
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"
    PARTIALLY_RETURNED = "partially_returned"
    RETURNED = "returned"


class CancellationReason(StrEnum):
    CUSTOMER_REQUEST = "customer_request"
    STAFF_DECISION = "staff_decision"
    OUT_OF_STOCK = "out_of_stock"
    PAYMENT_FAILED = "payment_failed"
    PICKUP_NOT_COLLECTED = "pickup_not_collected"
    PARTNER_REQUEST = "partner_request"
    FRAUD_SUSPECTED = "fraud_suspected"
    OTHER = "other"


class ActorKind(StrEnum):
    CUSTOMER = "customer"
    STAFF = "staff"
    PARTNER = "partner"
    SYSTEM = "system"


# Waiting for the customer at the payment provider is pending (payments[0].next_action says
# where to go).
ORDER_STATUS = EnumMap(
    OrderStatus,
    P.OrderStatus,
    "ORDER_STATUS_",
    shown_as={"action_required": OrderStatus.PENDING},
)
LINE_STATUS = EnumMap(LineStatus, P.OrderLineStatus, "ORDER_LINE_STATUS_")
CANCELLATION_REASON = EnumMap(CancellationReason, P.CancellationReason, "CANCELLATION_REASON_")
ACTOR_KIND = EnumMap(ActorKind, common_pb2.ActorKind, "ACTOR_KIND_")


class Buyer(View):
    """A marketplace order's buyer as the partner knows them."""

    buyer_id: Text = ""
    name: Text = ""
    email: Text = ""
    phone: Text = ""


class SalesChannelRef(View):
    """Where something happened: the sales channel, and the store (POS, store staff) or the
    marketplace partner when there is one."""

    channel: Channel | None
    store_id: str | None = None
    partner_id: str | None = None


class HistoryActor(View):
    kind: ActorKind | None
    id: str
    display: str | None = None


class LineUnits(View):
    """Units of one order line, in a request."""

    line_id: Id
    quantity: Quantity


class Checkout(View):
    cart_id: Id
    delivery: DeliveryChoice
    payment_method: Literal["online_card", "cash_on_delivery", "pay_in_store"]
    # Online card: the payment provider's token.
    payment_token: Text = ""
    # The total the customer saw; a different actual total is refused (409).
    expected_total: Money | None = None
    note: Text = ""


class Cancel(View):
    """Units to cancel (none: the whole order)."""

    lines: Annotated[list[LineUnits], msgspec.Meta(max_length=100)] = []
    note: Text = ""


class ImportedLine(View):
    sku: Id
    quantity: Quantity
    # The price the marketplace sold at.
    unit_price: Money
    partner_line_id: Text = ""


class ImportedOrder(View):
    partner_order_id: Id
    lines: Annotated[list[ImportedLine], msgspec.Meta(min_length=1, max_length=100)]
    delivery: DeliveryChoice
    buyer: Buyer | None = None
    delivery_price: Money | None = None


class OrderLine(View):
    line_id: str
    product_id: str
    sku: str
    product_name: str
    quantity: int
    unit_price: Money | None
    line_total: Money | None
    status: LineStatus | None
    cancelled_quantity: int
    fulfilled_quantity: int
    returned_quantity: int
    # The locations the units are sourced from.
    source_location_ids: list[str]
    # Marketplace orders: the partner's own line id.
    partner_line_id: str | None = None
    # An exchange's replacement line: the line it replaces.
    exchange_for_line_id: str | None = None
    # The whole line's net, tax and gross at the rate it was charged, after its discount.
    tax: TaxBreakdown | None = None
    # The vouchers' discount on the line, in the channel's listed-price terms.
    discount: Money | None = None


class Totals(View):
    subtotal: Money | None
    delivery: Money | None
    discount: Money | None
    # subtotal + delivery - discount, after cancelled lines.
    total: Money | None
    refunded: Money | None
    # subtotal split into net and tax, and per rate; the tax part of refunded.
    net: Money | None = None
    tax: Money | None = None
    tax_lines: list[TaxBreakdown] = []
    refunded_tax: Money | None = None
    # Where the order was taxed and whether its prices included the tax.
    tax_country_code: str | None = None
    prices_include_tax: bool = False


class HistoryEntry(View):
    """One change of the order: what, when, who and through which channel."""

    at: datetime | None
    action: str
    from_status: OrderStatus | None
    to_status: OrderStatus | None
    actor: HistoryActor | None
    channel: SalesChannelRef | None
    reason: str | None
    lines: list[LineQuantity]


class Order(View, kw_only=True):
    """An order as its customer sees it."""

    id: str
    number: str
    status: OrderStatus | None
    # Why it failed or was cancelled, for people.
    status_reason: str | None
    cancellation_reason: CancellationReason | None
    customer_id: str | None
    channel: SalesChannelRef | None
    lines: list[OrderLine]
    delivery: OrderDelivery | None
    pickup: Pickup | None
    payments: list[Payment]
    shipments: list[Shipment]
    return_ids: list[str]
    totals: Totals | None
    note: str | None
    placed_at: datetime | None
    confirmed_at: datetime | None
    updated_at: datetime | None
    # The voucher codes the order redeemed.
    voucher_codes: list[str] = []


class PartnerOrder(Order, kw_only=True):
    """A marketplace order as its partner sees it."""

    partner_order_id: str | None
    buyer: Buyer | None


class StaffOrder(PartnerOrder, kw_only=True):
    """An order as staff see it: with the provider's payment references and its history. The
    pickup code is left out (`pickup.code` is null): the customer shows it at the hand-over."""

    cart_id: str | None
    # Narrows Order.payments (a list is invariant to mypy; the JSON schema is what matters).
    payments: list[StaffPayment]  # type: ignore[assignment]
    history: list[HistoryEntry]


class OrderPage(View):
    orders: list[Order]
    next_page_token: str


class PartnerOrderPage(View):
    orders: list[PartnerOrder]
    next_page_token: str


class StaffOrderPage(View):
    orders: list[StaffOrder]
    next_page_token: str


def sales_channel_ref(ref: common_pb2.ChannelRef) -> SalesChannelRef:
    return SalesChannelRef(
        channel=channel_of(ref.channel),
        store_id=ref.store_id or None,
        partner_id=ref.partner_id or None,
    )


def _line(line: P.OrderLine) -> OrderLine:
    return OrderLine(
        line_id=line.line_id,
        product_id=line.product_id,
        sku=line.sku,
        product_name=line.product_name,
        quantity=line.quantity,
        unit_price=money_or_none(line, "unit_price"),
        line_total=money_or_none(line, "line_total"),
        status=LINE_STATUS.public(line.status),
        cancelled_quantity=line.cancelled_quantity,
        fulfilled_quantity=line.fulfilled_quantity,
        returned_quantity=line.returned_quantity,
        source_location_ids=list(line.source_location_ids),
        partner_line_id=line.partner_line_id or None,
        exchange_for_line_id=line.exchange_for_line_id or None,
        tax=tax_breakdown_or_none(line, "tax"),
        discount=money_or_none(line, "discount"),
    )


def _totals(order: P.Order) -> Totals | None:
    if not order.HasField("totals"):
        return None
    totals = order.totals
    return Totals(
        subtotal=money_or_none(totals, "subtotal"),
        delivery=money_or_none(totals, "delivery"),
        discount=money_or_none(totals, "discount"),
        total=money_or_none(totals, "total"),
        refunded=money_or_none(totals, "refunded"),
        net=money_or_none(totals, "net"),
        tax=money_or_none(totals, "tax"),
        tax_lines=[tax_breakdown(line) for line in totals.tax_lines],
        refunded_tax=money_or_none(totals, "refunded_tax"),
        tax_country_code=order.tax_country_code or None,
        prices_include_tax=order.prices_include_tax,
    )


def actor_view(actor: common_pb2.Actor) -> HistoryActor:
    return HistoryActor(ACTOR_KIND.public(actor.kind), actor.id, actor.display or None)


def _history(entry: P.OrderHistoryEntry) -> HistoryEntry:
    return HistoryEntry(
        at=when_set(entry, "at"),
        action=entry.action,
        from_status=ORDER_STATUS.public(entry.from_status),
        to_status=ORDER_STATUS.public(entry.to_status),
        actor=actor_view(entry.actor) if entry.HasField("actor") else None,
        channel=sales_channel_ref(entry.channel) if entry.HasField("channel") else None,
        reason=entry.reason or None,
        lines=line_quantities(entry.lines),
    )


def _order_fields(order: P.Order) -> dict[str, Any]:
    """What every audience sees of an order, payments aside."""
    return {
        "id": order.id,
        "number": order.number,
        "status": ORDER_STATUS.public(order.status),
        "status_reason": order.status_reason or None,
        "cancellation_reason": CANCELLATION_REASON.public(order.cancellation_reason),
        "customer_id": order.customer_id or None,
        "channel": sales_channel_ref(order.channel) if order.HasField("channel") else None,
        "lines": [_line(line) for line in order.lines],
        "delivery": delivery_view(order),
        "pickup": pickup_view(order),
        "shipments": [shipment_view(shipment) for shipment in order.shipments],
        "return_ids": list(order.return_ids),
        "totals": _totals(order),
        "note": order.note or None,
        "placed_at": when_set(order, "placed_at"),
        "confirmed_at": when_set(order, "confirmed_at"),
        "updated_at": when_set(order, "updated_at"),
        "voucher_codes": list(order.voucher_codes),
    }


def _partner_fields(order: P.Order) -> dict[str, Any]:
    buyer = order.buyer
    return {
        "partner_order_id": order.partner_order_id or None,
        "buyer": (
            Buyer(buyer.buyer_id, buyer.name, buyer.email, buyer.phone)
            if order.HasField("buyer")
            else None
        ),
    }


def order_view(order: P.Order) -> Order:
    payments = [payment_view(payment) for payment in order.payments]
    return Order(**_order_fields(order), payments=payments)


def partner_order_view(order: P.Order) -> PartnerOrder:
    payments = [payment_view(payment) for payment in order.payments]
    return PartnerOrder(**_order_fields(order), **_partner_fields(order), payments=payments)


def staff_order_view(order: P.Order) -> StaffOrder:
    fields = _order_fields(order)
    if fields["pickup"] is not None:
        fields["pickup"] = msgspec.structs.replace(fields["pickup"], code=None)
    return StaffOrder(
        **fields,
        **_partner_fields(order),
        payments=[staff_payment_view(payment) for payment in order.payments],
        cart_id=order.cart_id or None,
        history=[_history(entry) for entry in order.history],
    )


def order_page(reply: P.ListOrdersResponse) -> OrderPage:
    return OrderPage([order_view(order) for order in reply.orders], reply.next_page_token)


def partner_order_page(reply: P.ListOrdersResponse) -> PartnerOrderPage:
    orders = [partner_order_view(order) for order in reply.orders]
    return PartnerOrderPage(orders, reply.next_page_token)


def staff_order_page(reply: P.ListOrdersResponse) -> StaffOrderPage:
    orders = [staff_order_view(order) for order in reply.orders]
    return StaffOrderPage(orders, reply.next_page_token)


def payment_method_number(method: str) -> P.PaymentMethod.ValueType:
    return PAYMENT_METHOD.number(PaymentMethod(method))


def to_proto_units(lines: list[LineUnits]) -> list[P.LineQuantity]:
    return [P.LineQuantity(line_id=line.line_id, quantity=line.quantity) for line in lines]


def to_proto_import_lines(lines: list[ImportedLine]) -> list[P.ImportLine]:
    return [
        P.ImportLine(
            partner_line_id=line.partner_line_id,
            sku=line.sku,
            quantity=line.quantity,
            unit_price=to_proto_money(line.unit_price),
        )
        for line in lines
    ]


def to_proto_buyer(buyer: Buyer | None) -> P.MarketplaceBuyer | None:
    return P.MarketplaceBuyer(**msgspec.to_builtins(buyer)) if buyer else None
