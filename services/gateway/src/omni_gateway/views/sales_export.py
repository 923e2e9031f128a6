"""The rows of the exports for BI tools: one per order line, and one per day, channel and currency
of sales. Each is a JSON line, or a CSV row under a header of the same field names (docs/api.md,
"Exports for BI tools")."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from omni.order.v1 import order_pb2
from omni_gateway.security.principals import Channel
from omni_gateway.views.common import View, channel_of, when
from omni_gateway.views.delivery import DELIVERY_MODE, DeliveryMode
from omni_gateway.views.order import LINE_STATUS, ORDER_STATUS, LineStatus, OrderStatus

P = order_pb2


class OrderLineRow(View):
    order_number: str
    order_id: str
    channel: Channel | None
    # Marketplace orders: the partner.
    partner_id: str | None
    # The store the order was placed in (POS) or is picked up at; none for home delivery.
    store_id: str | None
    store_code: str | None
    # None for an anonymous sale at the till.
    customer_id: str | None
    status: OrderStatus | None
    delivery_mode: DeliveryMode | None
    placed_at_utc: datetime
    # The same moment in `time_zone`: the store's, else the export's.
    placed_at_local: datetime
    time_zone: str
    line_id: str
    sku: str
    product_name: str
    line_status: LineStatus | None
    quantity: int
    cancelled_quantity: int
    fulfilled_quantity: int
    returned_quantity: int
    # Money in minor units (cents) of `currency`.
    unit_price_minor: int
    line_total_minor: int
    # The whole order's total, repeated on each of its lines: count it once per order.
    order_total_minor: int
    currency: str
    # The line's share of voucher discounts, and its net, tax and gross after them at the rate
    # charged (basis points: 2300 is 23 %), as placed; 0 for an order placed without tax.
    line_discount_minor: int
    line_net_minor: int
    line_tax_minor: int
    line_gross_minor: int
    tax_rate_basis_points: int


class SalesDayRow(View):
    # The day in `time_zone`, YYYY-MM-DD.
    day: str
    time_zone: str
    channel: Channel | None
    currency: str
    # Confirmed orders of the day, net of cancelled lines, in minor units.
    revenue_minor: int
    orders: int
    units: int
    refunded_minor: int
    cancelled_orders: int
    # revenue split into net and tax; refunded_tax the tax part of refunded; discount what
    # vouchers took off the goods' gross (revenue is after it).
    net_minor: int
    tax_minor: int
    refunded_tax_minor: int
    discount_minor: int


def order_line_rows(
    order: P.Order, store_id: str, store_code: str, zone: ZoneInfo
) -> list[OrderLineRow]:
    """The order's lines as rows, with its local time in `zone`."""
    placed = when(order.placed_at)
    return [
        OrderLineRow(
            order_number=order.number,
            order_id=order.id,
            channel=channel_of(order.channel.channel),
            partner_id=order.channel.partner_id or None,
            store_id=store_id or None,
            store_code=store_code or None,
            customer_id=order.customer_id or None,
            status=ORDER_STATUS.public(order.status),
            delivery_mode=DELIVERY_MODE.public(order.delivery.mode),
            placed_at_utc=placed,
            placed_at_local=placed.astimezone(zone),
            time_zone=zone.key,
            line_id=line.line_id,
            sku=line.sku,
            product_name=line.product_name,
            line_status=LINE_STATUS.public(line.status),
            quantity=line.quantity,
            cancelled_quantity=line.cancelled_quantity,
            fulfilled_quantity=line.fulfilled_quantity,
            returned_quantity=line.returned_quantity,
            unit_price_minor=line.unit_price.amount_minor,
            line_total_minor=line.line_total.amount_minor,
            order_total_minor=order.totals.total.amount_minor,
            currency=order.totals.total.currency_code or line.unit_price.currency_code,
            line_discount_minor=line.discount.amount_minor,
            line_net_minor=line.tax.net.amount_minor,
            line_tax_minor=line.tax.tax.amount_minor,
            line_gross_minor=line.tax.gross.amount_minor,
            tax_rate_basis_points=line.tax.rate_basis_points,
        )
        for line in order.lines
    ]


def sales_day_row(row: P.SalesReportRow, time_zone: str) -> SalesDayRow:
    return SalesDayRow(
        day=row.day,
        time_zone=time_zone,
        channel=channel_of(row.channel),
        currency=row.revenue.currency_code or row.refunded.currency_code,
        revenue_minor=row.revenue.amount_minor,
        orders=row.orders,
        units=row.units,
        refunded_minor=row.refunded.amount_minor,
        cancelled_orders=row.cancelled_orders,
        net_minor=row.net.amount_minor,
        tax_minor=row.tax.amount_minor,
        refunded_tax_minor=row.refunded_tax.amount_minor,
        discount_minor=row.discount.amount_minor,
    )
