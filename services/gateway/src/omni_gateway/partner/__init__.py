"""The partner API (/partner/v1): marketplaces, with API keys and their scopes."""

from __future__ import annotations

from typing import Any

from omni_gateway.partner.catalog import CatalogFeed, PartnerStockFeed

ROUTES: list[Any] = [CatalogFeed, PartnerStockFeed]
