"""Catalog routes: browse and search for frontends (published listings of the caller's channel,
with availability from inventory), product and listing administration for staff (versions as
ETags), and the product feed for marketplace partners (JSON lines or CSV)."""

from __future__ import annotations

from typing import Any

from omni_gateway.routes.catalog.admin import CatalogAdmin
from omni_gateway.routes.catalog.browse import CatalogBrowse
from omni_gateway.routes.catalog.feed import CatalogFeed

PUBLIC_ROUTES: list[Any] = [CatalogBrowse, CatalogAdmin]
PARTNER_ROUTES: list[Any] = [CatalogFeed]
