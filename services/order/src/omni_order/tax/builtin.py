"""The built-in tax provider: rates from the order service's own tax data, cached per country."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from omni_kit.expiring import Expiring
from omni_order.domain import tax as rules
from omni_order.domain.tax import TaxableLine, TaxQuote, TaxRate
from omni_order.store.tax import TaxStore


class BuiltinTaxProvider:
    def __init__(self, store: TaxStore, cache_seconds: float) -> None:
        self.store = store
        self.cache = Expiring(cache_seconds)

    async def rates(self, country_code: str) -> list[TaxRate]:
        return await self.cache.get(
            ("rates", country_code), lambda: self.store.rates_of(country_code)
        )

    async def quote(
        self,
        country_code: str,
        prices_include_tax: bool,
        lines: Sequence[TaxableLine],
        at: datetime,
    ) -> TaxQuote:
        in_force = rules.rates_in_force(await self.rates(country_code), at)
        return rules.quote(lines, in_force, country_code, prices_include_tax)
