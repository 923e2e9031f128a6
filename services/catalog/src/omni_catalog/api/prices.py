"""Price RPCs: the currencies a channel sells in, and a variant's price history with its
Omnibus lowest price."""

from __future__ import annotations

from dataclasses import replace

from grpc import aio
from pymongo.asynchronous.client_session import AsyncClientSession

from omni.catalog.v1 import catalog_pb2
from omni_catalog.api.common import Catalog
from omni_catalog.api.messages import channel_from, channel_ref, money_message
from omni_catalog.domain import paging, versions
from omni_catalog.domain.channels import Channel, channel_key
from omni_catalog.domain.listings import price_for
from omni_catalog.domain.money import Money, known_currency
from omni_catalog.domain.prices import ChannelCurrencies, validate_currencies
from omni_kit.errors import InvalidArgument
from omni_kit.facts import Event
from omni_kit.idempotency import Work
from omni_kit.ids import utcnow
from omni_kit.protos import to_timestamp


class PriceRpcs(Catalog):
    async def GetChannelCurrencies(
        self, request: catalog_pb2.GetChannelCurrenciesRequest, context: aio.ServicerContext
    ) -> catalog_pb2.GetChannelCurrenciesResponse:
        channel = channel_from(request.channel)
        current = await self.currencies.get(channel_key(channel))
        return catalog_pb2.GetChannelCurrenciesResponse(
            currencies=_currencies_message(channel, current)
        )

    async def UpdateChannelCurrencies(
        self, request: catalog_pb2.UpdateChannelCurrenciesRequest, context: aio.ServicerContext
    ) -> catalog_pb2.UpdateChannelCurrenciesResponse:
        return await self.infra.idempotency.run(
            context,
            request,
            catalog_pb2.UpdateChannelCurrenciesResponse,
            lambda: self._plan_currencies(request),
        )

    async def _plan_currencies(
        self, request: catalog_pb2.UpdateChannelCurrenciesRequest
    ) -> Work[catalog_pb2.UpdateChannelCurrenciesResponse]:
        channel = channel_from(request.currencies.channel, "currencies.channel")
        key = channel_key(channel, "currencies.channel")
        wanted = validate_currencies(
            list(request.currencies.currency_codes), "currencies.currency_codes"
        )
        if request.expected_version < 0:
            raise InvalidArgument("expected_version must not be negative", field="expected_version")
        current = await self.currencies.get(key)
        if current.version != request.expected_version:
            raise versions.stale(
                "the channel's currencies", request.expected_version, current.version
            )
        saved = replace(
            current, currencies=wanted, version=current.version + 1, updated_at=utcnow()
        )

        async def write(session: AsyncClientSession) -> list[Event]:
            await self.currencies.save(saved, request.expected_version, session)
            return []

        response = catalog_pb2.UpdateChannelCurrenciesResponse(
            currencies=_currencies_message(channel, saved)
        )
        return self.writing(write, response)

    async def GetPriceHistory(
        self, request: catalog_pb2.GetPriceHistoryRequest, context: aio.ServicerContext
    ) -> catalog_pb2.GetPriceHistoryResponse:
        if not request.product_id:
            raise InvalidArgument("product_id is required", field="product_id")
        if not known_currency(request.currency_code):
            raise InvalidArgument(
                f"currency_code {request.currency_code!r} is not an ISO 4217 currency code",
                reason="INVALID_CURRENCY",
                field="currency_code",
            )
        key = channel_key(channel_from(request.channel))
        listing = await self.listings.require(request.product_id, key)
        product = (await self.products.find([request.product_id])).get(request.product_id)
        if product is None and request.sku:
            await self.products.get(request.product_id)  # NotFound, naming product_id
        now = utcnow()
        if product is not None:
            [listing] = await self.readmodel.priced(product, [listing], now)
        current = price_for(listing, request.sku, request.currency_code, now)
        if current is None:
            raise InvalidArgument(
                f"{request.sku or 'the product'} has no price in {request.currency_code} on {key}",
                reason="NOT_PRICED_IN_CURRENCY",
                field="currency_code",
            )
        rows = await self.history.entries(
            listing.product_id,
            request.sku,
            key,
            request.currency_code,
            paging.page_size(request.page_size),
        )
        lowest = await self.history.lowest(
            listing.product_id, request.sku, key, request.currency_code, now
        )
        currency = request.currency_code
        return catalog_pb2.GetPriceHistoryResponse(
            entries=[
                catalog_pb2.PriceHistoryEntry(
                    price=money_message(Money(row["amount_minor"], currency)),
                    on_sale=row["on_sale"],
                    at=to_timestamp(row["at"]),
                )
                for row in rows
            ],
            current_price=money_message(current.money),
            lowest_price_30d=money_message(
                Money(current.amount_minor if lowest is None else lowest, currency)
            ),
        )


def _currencies_message(
    channel: Channel, currencies: ChannelCurrencies
) -> catalog_pb2.ChannelCurrencies:
    return catalog_pb2.ChannelCurrencies(
        channel=channel_ref(channel),
        currency_codes=list(currencies.currencies),
        version=currencies.version,
        updated_at=to_timestamp(currencies.updated_at) if currencies.updated_at else None,
    )
