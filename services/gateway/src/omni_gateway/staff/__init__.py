"""The staff API (/staff/v1): store associates and managers, call-centre consultants, admins."""

from __future__ import annotations

from typing import Any

from omni_gateway.staff.fulfilment import StaffFulfilment
from omni_gateway.staff.orders import StaffOrderReads
from omni_gateway.staff.reports import StaffReports

ROUTES: list[Any] = [StaffOrderReads, StaffFulfilment, StaffReports]
