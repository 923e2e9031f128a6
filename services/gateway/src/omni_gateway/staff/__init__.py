"""The staff API (/staff/v1): store associates and managers, call-centre consultants, admins."""

from __future__ import annotations

from typing import Any

from omni_gateway.security.dependencies import staff as signed_in_staff
from omni_gateway.security.session_routes import session_routes
from omni_gateway.staff.admin import StaffAdmin
from omni_gateway.staff.auth import StaffAuth
from omni_gateway.staff.catalog import CatalogAdmin
from omni_gateway.staff.catalog_promotions import StaffCatalogPromotions
from omni_gateway.staff.customer_consents import StaffCustomerConsents
from omni_gateway.staff.customer_timeline import StaffCustomerTimeline
from omni_gateway.staff.customers import StaffCustomers
from omni_gateway.staff.fulfilment import StaffFulfilment
from omni_gateway.staff.goods_in import GoodsIn
from omni_gateway.staff.imports import BulkTransfer
from omni_gateway.staff.inventory import StaffInventory
from omni_gateway.staff.listings import ListingAdmin
from omni_gateway.staff.locations import StaffLocations
from omni_gateway.staff.merges import ProfileMergeHistory, ProfileMerges
from omni_gateway.staff.notifications import CustomerMessages, Templates
from omni_gateway.staff.orders import StaffOrderReads
from omni_gateway.staff.paper_receipts import StaffPaperReceipts
from omni_gateway.staff.prices import PriceAdmin
from omni_gateway.staff.promotions import StaffPromotions
from omni_gateway.staff.reports import StaffReports
from omni_gateway.staff.sales_exports import StaffExports
from omni_gateway.staff.store_nodes import StaffStoreNodes
from omni_gateway.staff.store_shifts import StaffStoreShifts
from omni_gateway.staff.stores import StaffStores
from omni_gateway.staff.tax import StaffTax
from omni_gateway.staff.users import StaffUsers

ROUTES: list[Any] = [
    StaffAuth,
    session_routes("/staff/v1/auth", "staff auth", signed_in_staff),
    StaffAdmin,
    StaffUsers,
    CatalogAdmin,
    ListingAdmin,
    PriceAdmin,
    StaffInventory,
    GoodsIn,
    BulkTransfer,
    StaffLocations,
    StaffStores,
    StaffStoreNodes,
    StaffStoreShifts,
    StaffPaperReceipts,
    StaffOrderReads,
    StaffFulfilment,
    StaffReports,
    StaffTax,
    StaffPromotions,
    StaffCatalogPromotions,
    StaffExports,
    StaffCustomers,
    StaffCustomerTimeline,
    StaffCustomerConsents,
    ProfileMerges,
    ProfileMergeHistory,
    Templates,
    CustomerMessages,
]
