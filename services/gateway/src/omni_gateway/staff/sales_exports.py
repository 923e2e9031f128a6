"""Staff exports for BI tools: order lines and sales per channel and day over a date range, as CSV
or JSON lines, streamed (omni_gateway.sales_exports, which `omni export` runs too).

Orders are scoped as the staff order list is: associates and store managers export the orders of
their stores only. Sales are the report's totals: the report's roles."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

import msgspec
from litestar import Controller, get
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Parameter
from litestar.response import Stream

from omni_gateway import sales_exports as exports
from omni_gateway.security import dependencies as auth
from omni_gateway.security.guards import roles
from omni_gateway.security.principals import Principal
from omni_gateway.staff.orders import StoreIds, stores_in_scope
from omni_gateway.staff.reports import REPORT_ROLES
from omni_gateway.views.sales_export import OrderLineRow, SalesDayRow


def _day(query: str, description: str) -> Any:
    """A date as text, parsed by the export itself: a malformed one is refused naming the
    parameter (`from` or `to`), as `omni export` refuses it."""
    return Parameter(
        query=query, max_length=10, schema_extra={"format": "date"}, description=description
    )


First = Annotated[str, _day("from", "First day, YYYY-MM-DD")]
Last = Annotated[str, _day("to", "Last day, YYYY-MM-DD (included)")]
TimeZone = Annotated[
    str,
    Parameter(
        min_length=1,
        max_length=64,
        description="IANA time zone the dates are days in (and local times shown in when an "
        "order has no store)",
    ),
]


def _rows_spec(row: type[msgspec.Struct], what: str) -> dict[int, ResponseSpec]:
    return {
        200: ResponseSpec(
            data_container=row,
            generate_examples=False,
            media_type=exports.MEDIA_TYPES["csv"],
            description=f"CSV (format=csv): a header of the {row.__name__} field names, then one "
            f"row per {what}; JSON lines (format=jsonl, application/x-ndjson): one "
            f"{row.__name__} per line",
        )
    }


def _range(start: str, end: str, time_zone: str) -> exports.ExportRange:
    try:
        first, last = exports.parse_day(start, "from"), exports.parse_day(end, "to")
        return exports.export_range(first, last, time_zone)
    except exports.BadExport as bad:
        raise ValidationException(
            bad.message, extra=[{"key": bad.field, "message": bad.message}]
        ) from None


def _download(
    chunks: AsyncIterator[bytes], name: str, span: exports.ExportRange, fmt: exports.Format
) -> Stream:
    filename = f"{name}-{span.start}-{span.end}.{fmt}"
    return Stream(
        chunks,
        media_type=exports.MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


class StaffExports(Controller):
    path = "/staff/v1/exports"
    tags = ["staff exports"]
    dependencies = {"principal": Provide(auth.staff)}
    security = [{"bearerAuth": []}]

    @get(
        "/orders",
        summary="Order lines placed in a date range, for BI tools (CSV or JSON lines, streamed)",
        description="One row per order line, oldest order first; columns in docs/api.md. "
        "Associates and store managers export only orders of their stores.",
        responses=_rows_spec(OrderLineRow, "order line"),
    )
    async def orders(
        self,
        state: State,
        principal: Principal,
        start: First,
        end: Last,
        time_zone: TimeZone = "UTC",
        format: exports.Format = "csv",
        store_id: StoreIds = None,
    ) -> Stream:
        span = _range(start, end, time_zone)
        stores = stores_in_scope(principal, store_id or [])
        rows = exports.order_lines(state.bulk_calls, span, stores)
        chunks = await exports.encoded(rows, exports.ORDER_COLUMNS, format)
        return _download(chunks, "orders", span, format)

    @get(
        "/sales",
        summary="Sales per channel and day in a date range, for BI tools (CSV or JSON lines)",
        description="One row per day, channel and currency with sales; columns in docs/api.md. "
        "The time zone is one the order service keeps totals for (OMNI_ORDER_REPORT_TIME_ZONES).",
        guards=[roles(*REPORT_ROLES)],
        responses=_rows_spec(SalesDayRow, "day, channel and currency"),
    )
    async def sales(
        self,
        state: State,
        principal: Principal,
        start: First,
        end: Last,
        time_zone: TimeZone = "UTC",
        format: exports.Format = "csv",
    ) -> Stream:
        span = _range(start, end, time_zone)
        rows = exports.sales_days(state.bulk_calls, span)
        chunks = await exports.encoded(rows, exports.SALES_COLUMNS, format)
        return _download(chunks, "sales", span, format)
