"""Inventory routes: availability for frontends, stock and movements
for staff, the stock feed for partners."""

from __future__ import annotations

from typing import Any

PUBLIC_ROUTES: list[Any] = []
PARTNER_ROUTES: list[Any] = []
