"""Orders and sales for BI tools, as CSV or JSON lines: the one code path behind the staff API's
/staff/v1/exports routes and `omni export`.

Orders are read a keyset page at a time from the order service's list (the index of the staff
order list, oldest first within the range) and written as they come, so an export of any length
holds one page. Sales come from the per-day totals the order service keeps for its report time
zones. Dates are calendar days in the export's time zone: [from 00:00, the day after to 00:00)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo

import msgspec

from omni.common.v1 import common_pb2
from omni.inventory.v1 import inventory_pb2, inventory_pb2_grpc
from omni.order.v1 import order_pb2, order_pb2_grpc
from omni_gateway.partner.catalog import csv_line, csv_row
from omni_gateway.views.sales_export import (
    OrderLineRow,
    SalesDayRow,
    order_line_rows,
    sales_day_row,
)
from omni_kit import timezones
from omni_kit.protos import to_timestamp

Format = Literal["csv", "jsonl"]
MEDIA_TYPES: dict[str, str] = {"csv": "text/csv", "jsonl": "application/x-ndjson"}
# A year and a day, as the sales report: any calendar year fits.
MAX_EXPORT_DAYS = 366
# Orders per ListOrders call: what the export holds at once. The gateway calls with its bulk
# deadline (OMNI_GATEWAY_IMPORT_CALL_TIMEOUT_SECONDS), not the 5 s of an interactive request: on a
# loaded 2-core machine a page of 50 took up to 5 s.
PAGE_SIZE = 50


class BadExport(ValueError):
    """What the caller asked for cannot be exported: `field` names the input to change."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class Services(Protocol):
    """What an export calls: the gateway's BulkCalls, or the CLI's own channels."""

    order: order_pb2_grpc.OrderServiceAsyncStub
    inventory: inventory_pb2_grpc.InventoryServiceAsyncStub

    async def call(self, method: Callable[..., Any], request: Any, *, idempotent: bool) -> Any: ...


@dataclass(frozen=True)
class ExportRange:
    start: date
    end: date
    zone: ZoneInfo

    @property
    def start_time(self) -> datetime:
        return datetime.combine(self.start, time(), self.zone).astimezone(UTC)

    @property
    def end_time(self) -> datetime:
        """The midnight after the last day (exclusive)."""
        return datetime.combine(self.end + timedelta(days=1), time(), self.zone).astimezone(UTC)

    def time_range(self) -> common_pb2.TimeRange:
        return common_pb2.TimeRange(
            start_time=to_timestamp(self.start_time), end_time=to_timestamp(self.end_time)
        )


def export_range(start: date, end: date, time_zone: str) -> ExportRange:
    """The days from `start` to `end` (both included) in `time_zone`; refuses what cannot be."""
    if end < start:
        raise BadExport("to", f"the range ends ({end}) before it starts ({start})")
    if (end - start).days >= MAX_EXPORT_DAYS:
        raise BadExport("to", f"an export covers at most {MAX_EXPORT_DAYS} days; ask once per year")
    zone = timezones.zone(time_zone)
    if zone is None:
        raise BadExport(
            "time_zone", f"unknown time zone {time_zone!r}; use an IANA name like 'Europe/Kyiv'"
        )
    return ExportRange(start, end, zone)


def parse_day(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadExport(field, f"{value!r} is not a date; use YYYY-MM-DD") from None


async def order_lines(
    services: Services, span: ExportRange, store_ids: Iterable[str] = ()
) -> AsyncIterator[OrderLineRow]:
    """One row per order line of the orders placed in the range (of these stores: placed,
    picked up or shipped from there), oldest first, a page of orders at a time."""
    ask = order_pb2.ListOrdersRequest(
        page_size=PAGE_SIZE,
        placed_time=span.time_range(),
        store_ids=sorted(set(store_ids)),
        oldest_first=True,
    )
    stores = _Stores(services)
    while True:
        reply = await services.call(services.order.ListOrders, ask, idempotent=True)
        await stores.learn(_store_of(order) for order in reply.orders)
        for order in reply.orders:
            store_id = _store_of(order)
            code, zone = stores.known.get(store_id, ("", span.zone))
            for row in order_line_rows(order, store_id, code, zone):
                yield row
        if not reply.next_page_token:
            return
        ask.page_token = reply.next_page_token


async def sales_days(services: Services, span: ExportRange) -> AsyncIterator[SalesDayRow]:
    """One row per day, channel and currency with sales in the range (days without none)."""
    ask = order_pb2.GetSalesReportRequest(time_range=span.time_range(), time_zone=span.zone.key)
    reply = await services.call(services.order.GetSalesReport, ask, idempotent=True)
    for row in reply.report.rows:
        yield sales_day_row(row, span.zone.key)


async def encoded(
    rows: AsyncIterator[msgspec.Struct], columns: tuple[str, ...], fmt: Format
) -> AsyncIterator[bytes]:
    """The rows as CSV (a header of `columns` first, even with no rows) or JSON lines. The first
    row is read before this returns: what goes wrong before any data (a service refusing or
    down) is raised here, while an answer can still say so."""
    first = await anext(rows, None)

    def line(row: msgspec.Struct) -> bytes:
        return csv_row(row) if fmt == "csv" else msgspec.json.encode(row) + b"\n"

    async def chunks() -> AsyncIterator[bytes]:
        if fmt == "csv":
            yield csv_line(columns)
        if first is None:
            return
        yield line(first)
        async for row in rows:
            yield line(row)

    return chunks()


ORDER_COLUMNS: tuple[str, ...] = OrderLineRow.__struct_fields__
SALES_COLUMNS: tuple[str, ...] = SalesDayRow.__struct_fields__


def _store_of(order: order_pb2.Order) -> str:
    return order.channel.store_id or order.delivery.pickup_location_id


class _Stores:
    """The code and time zone of each store an export meets, asked for once per page."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.known: dict[str, tuple[str, ZoneInfo]] = {}

    async def learn(self, store_ids: Iterable[str]) -> None:
        unknown = sorted({s for s in store_ids if s and s not in self.known})
        if not unknown:
            return
        ask = inventory_pb2.ListStockLocationsRequest(
            location_ids=unknown, include_inactive=True, page_size=len(unknown)
        )
        reply = await self.services.call(
            self.services.inventory.ListStockLocations, ask, idempotent=True
        )
        for location in reply.locations:
            self.known[location.id] = (location.code, _zone(location.time_zone))


def _zone(name: str) -> ZoneInfo:
    return timezones.zone(name) or ZoneInfo("UTC")
