"""Catalog routes: browse and search for frontends, product administration
for staff, the product feed for partners."""

from __future__ import annotations

from typing import Any

PUBLIC_ROUTES: list[Any] = []
PARTNER_ROUTES: list[Any] = []
