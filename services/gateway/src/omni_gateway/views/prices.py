"""The currencies a channel sells in, and a variant's price history with its Omnibus lowest
price, as staff read and change them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from omni.catalog.v1 import catalog_pb2 as P
from omni_gateway.security.principals import Channel
from omni_gateway.views.common import INT64_MAX, Money, View, channel_of, money, when_set

MAX_CURRENCIES = 20
CurrencyCode = Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{3}$")]


class ChannelCurrencies(View):
    """The currencies a channel (or one marketplace partner) sells in; the first is the default
    of new carts. `version` 0: never set, so carts default to the store's currency and listings
    may be priced in any currency."""

    channel: Channel | None
    partner_id: str | None
    currencies: list[str]
    version: int
    updated_at: datetime | None


class CurrencyChanges(View):
    """The channel's currencies, in order (the first is the default of new carts); `version` is
    the one read (0 when never set)."""

    currencies: Annotated[list[CurrencyCode], msgspec.Meta(min_length=1, max_length=MAX_CURRENCIES)]
    version: Annotated[int, msgspec.Meta(ge=0, le=INT64_MAX)] = 0


class PriceChange(View):
    """The price in force from `at` until the next (newer) entry."""

    price: Money
    on_sale: bool
    at: datetime | None


class PriceHistory(View):
    """A variant's (or the product's) price in force in one currency on one channel: now, its
    changes newest first, and the lowest price in force in the 30 days before the current price
    took effect (Omnibus)."""

    current_price: Money
    lowest_price_30d: Money
    entries: list[PriceChange]


def channel_currencies_view(message: P.ChannelCurrencies) -> ChannelCurrencies:
    return ChannelCurrencies(
        channel=channel_of(message.channel.channel),
        partner_id=message.channel.partner_id or None,
        currencies=list(message.currency_codes),
        version=message.version,
        updated_at=when_set(message, "updated_at"),
    )


def price_history_view(reply: P.GetPriceHistoryResponse) -> PriceHistory:
    return PriceHistory(
        current_price=money(reply.current_price),
        lowest_price_30d=money(reply.lowest_price_30d),
        entries=[
            PriceChange(price=money(e.price), on_sale=e.on_sale, at=when_set(e, "at"))
            for e in reply.entries
        ],
    )
