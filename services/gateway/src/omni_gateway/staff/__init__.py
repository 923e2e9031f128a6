"""The staff API (/staff/v1): store associates and managers, call-centre consultants, admins."""

from __future__ import annotations

from typing import Any

from omni_gateway.staff.catalog import CatalogAdmin
from omni_gateway.staff.fulfilment import StaffFulfilment
from omni_gateway.staff.inventory import StaffInventory
from omni_gateway.staff.listings import ListingAdmin
from omni_gateway.staff.orders import StaffOrderReads
from omni_gateway.staff.reports import StaffReports
from omni_gateway.staff.stores import StaffStores

ROUTES: list[Any] = [
    CatalogAdmin,
    ListingAdmin,
    StaffInventory,
    StaffStores,
    StaffOrderReads,
    StaffFulfilment,
    StaffReports,
]
