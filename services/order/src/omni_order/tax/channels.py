"""How each channel is taxed, and the one call cart and checkout make for a tax quote."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from omni_kit.expiring import Expiring
from omni_order.domain.tax import ChannelTax, TaxableLine, TaxQuote
from omni_order.domain.values import SalesChannel
from omni_order.store.tax import TaxStore
from omni_order.tax import TaxProvider


class ChannelTaxes:
    """How each channel is taxed: staff's setting, else the default country with prices
    including tax (so an install that never set tax up sells as before)."""

    def __init__(self, store: TaxStore, default_country: str, cache: Expiring) -> None:
        self.store = store
        self.default_country = default_country
        self.cache = cache

    def default(self, channel: SalesChannel) -> ChannelTax:
        return ChannelTax(channel, self.default_country, prices_include_tax=True)

    async def of(self, channel: SalesChannel) -> ChannelTax:
        async def read() -> ChannelTax:
            return await self.store.channel_tax(channel) or self.default(channel)

        return await self.cache.get(("channel", channel), read)


class Taxes:
    """The tax of a channel's lines: the channel's country and price mode, then the provider."""

    def __init__(self, provider: TaxProvider, channels: ChannelTaxes) -> None:
        self.provider = provider
        self.channels = channels

    async def quote(
        self, channel: SalesChannel, lines: Sequence[TaxableLine], at: datetime
    ) -> TaxQuote:
        setting = await self.channels.of(channel)
        return await self.provider.quote(
            setting.country_code, setting.prices_include_tax, lines, at
        )
