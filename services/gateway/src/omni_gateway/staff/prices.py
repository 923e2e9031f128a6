"""Prices for staff: the currencies each channel sells in (every staff role reads, catalog
editors change), and a variant's price history with its Omnibus lowest price."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, put
from litestar.datastructures import State
from litestar.di import Provide
from litestar.params import Parameter

from omni.catalog.v1 import catalog_pb2
from omni_gateway.catalog_calls import PageSize, Text, call
from omni_gateway.context import channel_ref
from omni_gateway.security import dependencies as auth
from omni_gateway.security.guards import roles
from omni_gateway.security.principals import Channel, Principal
from omni_gateway.staff.catalog import EDITORS
from omni_gateway.views.prices import (
    MAX_CURRENCIES,
    ChannelCurrencies,
    CurrencyChanges,
    PriceHistory,
    channel_currencies_view,
    price_history_view,
)

CurrencyParam = Annotated[str, Parameter(pattern=r"^[A-Z]{3}$")]
SkuParam = Annotated[str | None, Parameter(max_length=64)]
# The catalog's names for the body's fields.
CURRENCY_FIELDS = {
    "currencies.currency_codes": "currencies",
    "expected_version": "version",
    **{f"currencies.currency_codes[{i}]": f"currencies[{i}]" for i in range(MAX_CURRENCIES)},
}


class PriceAdmin(Controller):
    path = "/staff/v1/catalog"
    tags = ["catalog admin"]
    dependencies = {"principal": Provide(auth.staff)}
    security = [{"bearerAuth": []}]

    @get("/channels/{channel:str}/currencies", summary="The currencies a channel sells in")
    async def currencies(
        self, state: State, principal: Principal, channel: Channel, partner_id: Text = None
    ) -> ChannelCurrencies:
        reply = await call(
            state,
            state.downstream.catalog.GetChannelCurrencies,
            catalog_pb2.GetChannelCurrenciesRequest(
                channel=channel_ref(channel, partner_id=partner_id or "")
            ),
            idempotent=True,
        )
        return channel_currencies_view(reply.currencies)

    @put(
        "/channels/{channel:str}/currencies",
        summary="Set the currencies a channel sells in (the first is new carts' default)",
        guards=[roles(*EDITORS)],
    )
    async def set_currencies(
        self,
        state: State,
        channel: Channel,
        data: CurrencyChanges,
        partner_id: Text = None,
    ) -> ChannelCurrencies:
        wanted = catalog_pb2.ChannelCurrencies(
            channel=channel_ref(channel, partner_id=partner_id or ""),
            currency_codes=data.currencies,
        )
        reply = await call(
            state,
            state.downstream.catalog.UpdateChannelCurrencies,
            catalog_pb2.UpdateChannelCurrenciesRequest(
                currencies=wanted, expected_version=data.version
            ),
            idempotent=False,
            fields=CURRENCY_FIELDS,
        )
        return channel_currencies_view(reply.currencies)

    @get(
        "/products/{product_id:str}/listings/{channel:str}/price-history",
        summary="A variant's prices in force on a channel in a currency, and its lowest of 30 days",
    )
    async def price_history(
        self,
        state: State,
        principal: Principal,
        product_id: str,
        channel: Channel,
        currency: CurrencyParam,
        sku: SkuParam = None,
        partner_id: Text = None,
        page_size: PageSize = 50,
    ) -> PriceHistory:
        reply = await call(
            state,
            state.downstream.catalog.GetPriceHistory,
            catalog_pb2.GetPriceHistoryRequest(
                product_id=product_id,
                channel=channel_ref(channel, partner_id=partner_id or ""),
                sku=sku or "",
                currency_code=currency,
                page_size=page_size,
            ),
            idempotent=True,
            fields={"currency_code": "currency", "listing.channel": "channel"},
        )
        return price_history_view(reply)
