"""The built-in tax provider: rates from the order service's own tax data, cached per country."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from omni_order.domain import tax as rules
from omni_order.domain.tax import TaxableLine, TaxQuote, TaxRate
from omni_order.store.tax import TaxStore


@dataclass
class Cached:
    """Values read from the store, reused for `seconds`; `forget` drops them after a write."""

    seconds: float
    _values: dict[object, tuple[float, object]] = field(default_factory=dict)

    def get(self, key: object) -> object | None:
        found = self._values.get(key)
        if found is None or time.monotonic() - found[0] > self.seconds:
            return None
        return found[1]

    def put(self, key: object, value: object) -> None:
        self._values[key] = (time.monotonic(), value)

    def forget(self, key: object) -> None:
        self._values.pop(key, None)


class BuiltinTaxProvider:
    def __init__(self, store: TaxStore, cache_seconds: float) -> None:
        self.store = store
        self.cache = Cached(cache_seconds)

    async def rates(self, country_code: str) -> list[TaxRate]:
        cached = self.cache.get(("rates", country_code))
        if isinstance(cached, list):
            return cached
        rates = await self.store.rates_of(country_code)
        self.cache.put(("rates", country_code), rates)
        return rates

    async def quote(
        self,
        country_code: str,
        prices_include_tax: bool,
        lines: Sequence[TaxableLine],
        at: datetime,
    ) -> TaxQuote:
        in_force = rules.rates_in_force(await self.rates(country_code), at)
        return rules.quote(lines, in_force, country_code, prices_include_tax)
