"""Staff reports: sales per channel and day, read from per-day totals the order service keeps in
its report time zones."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated

from litestar import Controller, get
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import ValidationException
from litestar.params import Parameter

from omni.common.v1 import common_pb2
from omni.order.v1 import order_pb2
from omni_gateway.security import dependencies as auth
from omni_gateway.security.guards import roles
from omni_gateway.security.principals import Principal, StaffRole
from omni_gateway.views.sales import SalesReport, sales_report_view
from omni_kit.protos import to_timestamp

REPORT_ROLES = (StaffRole.ADMIN, StaffRole.CONSULTANT, StaffRole.STORE_MANAGER)
# A year and a day: any calendar year fits; longer comparisons ask once per year.
MAX_REPORT_DAYS = 366


class StaffReports(Controller):
    path = "/staff/v1/reports"
    tags = ["staff reports"]
    dependencies = {"principal": Provide(auth.staff)}
    security = [{"bearerAuth": []}]

    @get(
        "/sales",
        summary="Revenue, orders and units per channel and day (at most 366 days)",
        guards=[roles(*REPORT_ROLES)],
    )
    async def sales(
        self,
        state: State,
        principal: Principal,
        start: Annotated[date, Parameter(query="from")],
        end: Annotated[date, Parameter(query="to")],
        time_zone: str = "UTC",
    ) -> SalesReport:
        if end < start:
            raise ValidationException(
                "the range ends before it starts", extra=[{"key": "to", "message": "before from"}]
            )
        if (end - start).days >= MAX_REPORT_DAYS:
            raise ValidationException(
                f"a report covers at most {MAX_REPORT_DAYS} days",
                extra=[{"key": "to", "message": f"at most {MAX_REPORT_DAYS} days after from"}],
            )
        span = common_pb2.TimeRange(
            start_time=to_timestamp(datetime.combine(start, time(), UTC)),
            end_time=to_timestamp(datetime.combine(end + timedelta(days=1), time(), UTC)),
        )
        ask = order_pb2.GetSalesReportRequest(time_range=span, time_zone=time_zone)
        reply = await state.downstream.call(
            state.downstream.order.GetSalesReport, ask, idempotent=True
        )
        return sales_report_view(reply.report)
