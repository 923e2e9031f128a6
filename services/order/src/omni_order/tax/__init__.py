"""Tax: the provider port, the built-in provider, and how a channel is taxed.

An external provider (a tax service) implements `TaxProvider`; the built-in one reads the rates
staff manage through the staff API (omni_order.tax.builtin)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from omni_order.domain.tax import TaxableLine, TaxQuote


class TaxProvider(Protocol):
    async def quote(
        self,
        country_code: str,
        prices_include_tax: bool,
        lines: Sequence[TaxableLine],
        at: datetime,
    ) -> TaxQuote:
        """Each line's net, tax and gross (keyed by TaxableLine.key), at the rates in force in
        `country_code` at `at`, rounded per line by the rule in docs/api.md ("Tax"). Called once
        per cart change or checkout with all its lines (an order's delivery among them, a
        standard-class line); never per line."""
        ...
