"""Reads: orders, returns and the sales report."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from grpc import aio

from omni.common.v1 import common_pb2
from omni.order.v1 import order_pb2
from omni_kit import paging
from omni_kit.errors import InvalidArgument
from omni_kit.protos import from_timestamp, to_timestamp
from omni_order.api.deps import Deps
from omni_order.domain.common import money, require

C = order_pb2


def _after(token: str) -> tuple[datetime, str] | None:
    values = paging.decode_cursor(token, 2, kinds=(datetime, str))
    return None if values is None else (values[0], values[1])  # type: ignore[return-value]


def _token(at: datetime, last_id: str) -> str:
    return paging.encode_cursor([at, last_id])


class QueriesApi:
    deps: Deps

    async def GetOrder(
        self, request: C.GetOrderRequest, context: aio.ServicerContext
    ) -> C.GetOrderResponse:
        return C.GetOrderResponse(
            order=await self.deps.orders.get(require(request.order_id, "order_id"))
        )

    async def ListOrders(
        self, request: C.ListOrdersRequest, context: aio.ServicerContext
    ) -> C.ListOrdersResponse:
        limit = paging.page_size(request.page_size)
        query: dict[str, Any] = {}
        filters = {
            "customer_id": request.customer_id,
            "channel.partner_id": request.partner_id,
            "partner_order_id": request.partner_order_id,
            "delivery.pickup_location_id": request.pickup_location_id,
        }
        query.update({key: value for key, value in filters.items() if value})
        if request.statuses:
            query["status"] = {"$in": [C.OrderStatus.Name(s) for s in request.statuses]}
        if request.channel:
            query["channel.channel"] = common_pb2.SalesChannel.Name(request.channel)
        placed: dict[str, datetime] = {}
        if request.placed_time.HasField("start_time"):
            placed["$gte"] = from_timestamp(request.placed_time.start_time)
        if request.placed_time.HasField("end_time"):
            placed["$lt"] = from_timestamp(request.placed_time.end_time)
        if placed:
            query["placed_at"] = placed
        orders = await self.deps.orders.page(query, _after(request.page_token), limit + 1)
        next_token = ""
        if len(orders) > limit:
            orders = orders[:limit]
            last = orders[-1]
            next_token = _token(from_timestamp(last.placed_at), last.id)
        return C.ListOrdersResponse(orders=orders, next_page_token=next_token)

    async def GetReturn(
        self, request: C.GetReturnRequest, context: aio.ServicerContext
    ) -> C.GetReturnResponse:
        found = await self.deps.returns.get(require(request.return_id, "return_id"))
        return C.GetReturnResponse(order_return=found)

    async def ListReturns(
        self, request: C.ListReturnsRequest, context: aio.ServicerContext
    ) -> C.ListReturnsResponse:
        limit = paging.page_size(request.page_size)
        query: dict[str, Any] = {}
        if request.order_id:
            query["order_id"] = request.order_id
        if request.receiving_location_id:
            query["receiving_location_id"] = request.receiving_location_id
        if request.statuses:
            query["status"] = {"$in": [C.ReturnStatus.Name(s) for s in request.statuses]}
        found = await self.deps.returns.page(query, _after(request.page_token), limit + 1)
        next_token = ""
        if len(found) > limit:
            found = found[:limit]
            next_token = _token(from_timestamp(found[-1].created_at), found[-1].id)
        return C.ListReturnsResponse(order_returns=found, next_page_token=next_token)

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
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidArgument(
                f"unknown time zone {zone!r}; use an IANA name like 'Europe/Berlin'",
                field="time_zone",
            ) from None
        channels = [common_pb2.SalesChannel.Name(c) for c in request.channels]
        groups = await self.deps.orders.sales(start, end, zone, channels)
        report = C.SalesReport(
            time_range=common_pb2.TimeRange(
                start_time=to_timestamp(start), end_time=to_timestamp(end)
            ),
            time_zone=zone,
        )
        totals: dict[tuple[str, str], C.SalesReportRow] = {}
        for group in groups:
            key = group["_id"]
            row = _row(key["day"], key["channel"], key["currency"], group)
            report.rows.append(row)
            total = totals.setdefault(
                (key["channel"], key["currency"]), _row("", key["channel"], key["currency"], {})
            )
            _add(total, row)
        report.channel_totals.extend(totals[key] for key in sorted(totals))
        return C.GetSalesReportResponse(report=report)


def _row(day: str, channel: str, currency: str, group: dict[str, Any]) -> C.SalesReportRow:
    return C.SalesReportRow(
        day=day,
        channel=common_pb2.SalesChannel.Value(channel),
        revenue=money(int(group.get("revenue", 0)), currency),
        orders=int(group.get("orders", 0)),
        units=int(group.get("units", 0)),
        refunded=money(int(group.get("refunded", 0)), currency),
        cancelled_orders=int(group.get("cancelled_orders", 0)),
    )


def _add(total: C.SalesReportRow, row: C.SalesReportRow) -> None:
    total.revenue.amount_minor += row.revenue.amount_minor
    total.orders += row.orders
    total.units += row.units
    total.refunded.amount_minor += row.refunded.amount_minor
    total.cancelled_orders += row.cancelled_orders
