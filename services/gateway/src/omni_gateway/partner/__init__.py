"""The partner API (/partner/v1): marketplaces with an API key, under the partner rate limit."""

from __future__ import annotations

from typing import Any

from omni_gateway.partner.catalog import CatalogFeed, PartnerStockFeed
from omni_gateway.partner.orders import PartnerOrders
from omni_gateway.partner.webhooks import PartnerWebhooks

ROUTES: list[Any] = [CatalogFeed, PartnerStockFeed, PartnerOrders, PartnerWebhooks]
