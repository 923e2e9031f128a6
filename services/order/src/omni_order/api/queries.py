"""Reads: orders, returns and the sales report."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from grpc import aio

from omni.common.v1 import common_pb2
from omni.order.v1 import order_pb2
from omni_kit import paging, timezones
from omni_kit.errors import InvalidArgument
from omni_kit.protos import from_timestamp, to_timestamp
from omni_order.api.deps import Deps
from omni_order.domain.common import require
from omni_order.messages import order_message, return_message
from omni_order.store.orders import OrderFilter

C = order_pb2


def _after(token: str) -> tuple[datetime, str] | None:
    return paging.decode_cursor(token, 2, kinds=(datetime, str))


def _token(at: datetime, last_id: str) -> str:
    return paging.encode_cursor([at, last_id])


MAX_STORES = 20


def order_filter(request: C.ListOrdersRequest) -> OrderFilter:
    if len(request.store_ids) > MAX_STORES:
        raise InvalidArgument(f"at most {MAX_STORES} store_ids", field="store_ids")
    if len(request.number) > 64:
        raise InvalidArgument("number is at most 64 characters", field="number")
    span = request.placed_time
    if request.oldest_first and not span.HasField("start_time"):
        raise InvalidArgument(
            "oldest first needs placed_time.start_time: where to start from",
            field="placed_time.start_time",
        )
    return OrderFilter(
        customer_id=request.customer_id,
        partner_id=request.partner_id,
        partner_order_id=request.partner_order_id,
        pickup_location_id=request.pickup_location_id,
        store_ids=tuple(sorted(set(request.store_ids))),
        statuses=tuple(sorted({C.OrderStatus.Name(s) for s in request.statuses})),
        channel=common_pb2.SalesChannel.Name(request.channel) if request.channel else "",
        number=request.number.strip(),
        placed_from=from_timestamp(span.start_time) if span.HasField("start_time") else None,
        placed_to=from_timestamp(span.end_time) if span.HasField("end_time") else None,
        oldest_first=request.oldest_first,
    )


class QueriesApi:
    deps: Deps

    async def GetOrder(
        self, request: C.GetOrderRequest, context: aio.ServicerContext
    ) -> C.GetOrderResponse:
        order = await self.deps.orders.get(require(request.order_id, "order_id"))
        return C.GetOrderResponse(order=order_message(order))

    async def ListOrders(
        self, request: C.ListOrdersRequest, context: aio.ServicerContext
    ) -> C.ListOrdersResponse:
        limit = paging.page_size(request.page_size)
        wanted = order_filter(request)
        orders = await self.deps.orders.page(wanted, _after(request.page_token), limit + 1)
        next_token = ""
        if len(orders) > limit:
            orders = orders[:limit]
            last = orders[-1]
            next_token = _token(last.placed_at or datetime.min, last.id)
        return C.ListOrdersResponse(
            orders=[order_message(order) for order in orders], next_page_token=next_token
        )

    async def GetReturn(
        self, request: C.GetReturnRequest, context: aio.ServicerContext
    ) -> C.GetReturnResponse:
        found = await self.deps.returns.get(require(request.return_id, "return_id"))
        return C.GetReturnResponse(order_return=return_message(found))

    async def ListReturns(
        self, request: C.ListReturnsRequest, context: aio.ServicerContext
    ) -> C.ListReturnsResponse:
        limit = paging.page_size(request.page_size)
        found = await self.deps.returns.page(
            request.order_id,
            request.receiving_location_id,
            [C.ReturnStatus.Name(s) for s in request.statuses],
            _after(request.page_token),
            limit + 1,
        )
        next_token = ""
        if len(found) > limit:
            found = found[:limit]
            next_token = _token(found[-1].created_at or datetime.min, found[-1].id)
        return C.ListReturnsResponse(
            order_returns=[return_message(found_return) for found_return in found],
            next_page_token=next_token,
        )

    async def GetSalesReport(
        self, request: C.GetSalesReportRequest, context: aio.ServicerContext
    ) -> C.GetSalesReportResponse:
        span = request.time_range
        if not span.HasField("start_time") or not span.HasField("end_time"):
            raise InvalidArgument(
                "time_range needs both start_time and end_time", field="time_range"
            )
        start, end = from_timestamp(span.start_time), from_timestamp(span.end_time)
        if end <= start:
            raise InvalidArgument(
                "time_range must end after it starts", field="time_range.end_time"
            )
        zone = request.time_zone or "UTC"
        if not timezones.known(zone):
            raise InvalidArgument(
                f"unknown time zone {zone!r}; use an IANA name like 'Europe/Berlin'",
                field="time_zone",
            )
        kept = self.deps.settings.report_time_zones
        if zone not in kept:
            raise InvalidArgument(
                f"sales are totalled by day in {', '.join(kept)}; ask for one of those",
                field="time_zone",
            )
        channels = [common_pb2.SalesChannel.Name(c) for c in request.channels]
        rows = await self.deps.orders.sales(start, end, zone, channels)
        report = C.SalesReport(
            time_range=common_pb2.TimeRange(
                start_time=to_timestamp(start), end_time=to_timestamp(end)
            ),
            time_zone=zone,
        )
        totals: dict[tuple[str, str], C.SalesReportRow] = {}
        for group in rows:
            row = _row(group["day"], group["channel"], group["currency"], group)
            report.rows.append(row)
            total = totals.setdefault(
                (group["channel"], group["currency"]),
                _row("", group["channel"], group["currency"], {}),
            )
            _add(total, row)
        report.channel_totals.extend(totals[key] for key in sorted(totals))
        return C.GetSalesReportResponse(report=report)


def _row(day: str, channel: str, currency: str, group: dict[str, Any]) -> C.SalesReportRow:
    revenue, tax = int(group.get("revenue", 0)), int(group.get("tax", 0))
    return C.SalesReportRow(
        day=day,
        channel=common_pb2.SalesChannel.Value(channel),
        revenue=common_pb2.Money(amount_minor=revenue, currency_code=currency),
        orders=int(group.get("orders", 0)),
        units=int(group.get("units", 0)),
        refunded=common_pb2.Money(
            amount_minor=int(group.get("refunded", 0)), currency_code=currency
        ),
        cancelled_orders=int(group.get("cancelled_orders", 0)),
        net=common_pb2.Money(amount_minor=revenue - tax, currency_code=currency),
        tax=common_pb2.Money(amount_minor=tax, currency_code=currency),
        refunded_tax=common_pb2.Money(
            amount_minor=int(group.get("refunded_tax", 0)), currency_code=currency
        ),
        discount=common_pb2.Money(
            amount_minor=int(group.get("discount", 0)), currency_code=currency
        ),
    )


def _add(total: C.SalesReportRow, row: C.SalesReportRow) -> None:
    total.revenue.amount_minor += row.revenue.amount_minor
    total.orders += row.orders
    total.units += row.units
    total.refunded.amount_minor += row.refunded.amount_minor
    total.cancelled_orders += row.cancelled_orders
    total.net.amount_minor += row.net.amount_minor
    total.tax.amount_minor += row.tax.amount_minor
    total.refunded_tax.amount_minor += row.refunded_tax.amount_minor
    total.discount.amount_minor += row.discount.amount_minor
