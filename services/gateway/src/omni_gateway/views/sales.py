"""The sales report: revenue, orders and units per sales channel and day, and per channel over
the whole range; one row per currency."""

from __future__ import annotations

from datetime import date, datetime

from omni.order.v1 import order_pb2
from omni_gateway.security.principals import Channel
from omni_gateway.views.common import Money, View, channel_of, money_or_none, when_set

P = order_pb2


class SalesRow(View):
    # The day in the report's time zone; none in the per-channel totals.
    day: date | None
    channel: Channel | None
    # Revenue of confirmed orders, net of cancelled lines.
    revenue: Money | None
    orders: int
    units: int
    refunded: Money | None
    cancelled_orders: int
    # revenue = net + tax (delivery counts as net); the tax part of refunded.
    net: Money | None = None
    tax: Money | None = None
    refunded_tax: Money | None = None
    # What vouchers took off the goods' gross (revenue is after it).
    discount: Money | None = None


class SalesReport(View):
    # The range the report covers: [start_time, end_time).
    start_time: datetime | None
    end_time: datetime | None
    time_zone: str
    # Per day and channel, by day then channel.
    rows: list[SalesRow]
    # Per channel over the whole range.
    channel_totals: list[SalesRow]


def _row(row: P.SalesReportRow) -> SalesRow:
    return SalesRow(
        day=date.fromisoformat(row.day) if row.day else None,
        channel=channel_of(row.channel),
        revenue=money_or_none(row, "revenue"),
        orders=row.orders,
        units=row.units,
        refunded=money_or_none(row, "refunded"),
        cancelled_orders=row.cancelled_orders,
        net=money_or_none(row, "net"),
        tax=money_or_none(row, "tax"),
        refunded_tax=money_or_none(row, "refunded_tax"),
        discount=money_or_none(row, "discount"),
    )


def sales_report_view(report: P.SalesReport) -> SalesReport:
    return SalesReport(
        start_time=when_set(report.time_range, "start_time"),
        end_time=when_set(report.time_range, "end_time"),
        time_zone=report.time_zone,
        rows=[_row(row) for row in report.rows],
        channel_totals=[_row(row) for row in report.channel_totals],
    )
