"""The staff API (/staff/v1): store and call-centre staff, and admins."""

from __future__ import annotations

from typing import Any

from omni_gateway.staff.admin import StaffAdmin
from omni_gateway.staff.auth import StaffAuth
from omni_gateway.staff.customer_timeline import StaffCustomerTimeline
from omni_gateway.staff.customers import StaffCustomers
from omni_gateway.staff.merges import ProfileMerges
from omni_gateway.staff.notifications import CustomerMessages, Templates
from omni_gateway.staff.stores import store

ROUTES: list[Any] = [
    StaffAuth,
    StaffAdmin,
    StaffCustomers,
    StaffCustomerTimeline,
    ProfileMerges,
    Templates,
    CustomerMessages,
    store,
]
