"""The frontend API (/api/v1): what web shops, apps, POS and chat bots call."""

from __future__ import annotations

from typing import Any

from omni_gateway.shop.availability import Availability
from omni_gateway.shop.catalog import CatalogBrowse

ROUTES: list[Any] = [CatalogBrowse, Availability]
