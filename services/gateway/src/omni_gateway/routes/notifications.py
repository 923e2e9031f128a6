"""Notification routes: templates, previews and ad-hoc messages for staff."""

from __future__ import annotations

from typing import Any

PUBLIC_ROUTES: list[Any] = []
PARTNER_ROUTES: list[Any] = []
