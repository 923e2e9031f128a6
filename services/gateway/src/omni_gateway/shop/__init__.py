"""The frontend API (/api/v1): web shops, apps, POS and chat bots."""

from __future__ import annotations

from typing import Any

from omni_gateway.shop.availability import Availability
from omni_gateway.shop.carts import Carts
from omni_gateway.shop.catalog import CatalogBrowse
from omni_gateway.shop.orders import CustomerOrders

ROUTES: list[Any] = [CatalogBrowse, Availability, Carts, CustomerOrders]
