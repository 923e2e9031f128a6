"""TaxService RPCs: the rates and channel tax the built-in provider reads, managed by staff."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

from grpc import aio
from pymongo.asynchronous.client_session import AsyncClientSession

from omni.common.v1 import common_pb2
from omni.order.v1 import tax_pb2, tax_pb2_grpc
from omni_kit.errors import InvalidArgument
from omni_kit.idempotency import Idempotency, Work
from omni_kit.ids import utcnow
from omni_kit.paging import decode_cursor, encode_cursor, fingerprint, page_size
from omni_order.domain import tax as rules
from omni_order.domain.tax import ChannelTax, TaxRate
from omni_order.domain.values import SalesChannel
from omni_order.messages import from_message, member, to_message
from omni_order.store.tax import TaxStore, rate_id
from omni_order.tax.builtin import BuiltinTaxProvider
from omni_order.tax.channels import ChannelTaxes

T = tax_pb2
RateReply = TypeVar("RateReply", T.CreateTaxRateResponse, T.UpdateTaxRateResponse)
CHANNEL_TAX_PATHS = ("country_code", "prices_include_tax")


class TaxApi(tax_pb2_grpc.TaxServiceServicer):
    def __init__(
        self,
        store: TaxStore,
        rates: BuiltinTaxProvider,
        channels: ChannelTaxes,
        idempotency: Idempotency,
    ) -> None:
        self.store = store
        self.rates = rates
        self.channels = channels
        self.idempotency = idempotency

    async def CreateTaxRate(
        self, request: T.CreateTaxRateRequest, context: aio.ServicerContext
    ) -> T.CreateTaxRateResponse:
        async def plan() -> Work[T.CreateTaxRateResponse]:
            rate = rules.require_rate(from_message(request.tax_rate, TaxRate))
            assert rate.valid_from is not None
            started = rate.valid_from.strftime("%Y%m%dT%H%M%S")
            rate = replace(
                rate, id=rate_id(rate.country_code, rate.tax_class, started), created_at=utcnow()
            )
            return self._writing(rate, T.CreateTaxRateResponse, new=True)

        return await self.idempotency.run(
            context, request, T.CreateTaxRateResponse, plan, then=self._forget_rates
        )

    async def UpdateTaxRate(
        self, request: T.UpdateTaxRateRequest, context: aio.ServicerContext
    ) -> T.UpdateTaxRateResponse:
        async def plan() -> Work[T.UpdateTaxRateResponse]:
            paths = list(request.update_mask.paths) or ["valid_until"]
            if paths != ["valid_until"]:
                raise InvalidArgument(
                    "only valid_until can change; a new rate is a new tax rate",
                    field="update_mask",
                )
            stored = await self.store.rate(request.tax_rate.id)
            changes = from_message(request.tax_rate, TaxRate)
            rate = rules.require_rate(replace(stored, valid_until=changes.valid_until))
            return self._writing(rate, T.UpdateTaxRateResponse, new=False)

        return await self.idempotency.run(
            context, request, T.UpdateTaxRateResponse, plan, then=self._forget_rates
        )

    def _writing(
        self, rate: TaxRate, response_type: Callable[..., RateReply], *, new: bool
    ) -> Work[RateReply]:
        """The write of a rate, checked again for overlaps inside its transaction (the
        series lock makes two overlapping writes conflict rather than both pass)."""

        async def write(session: AsyncClientSession) -> RateReply:
            await self.store.lock_series(rate.country_code, rate.tax_class, session)
            others = await self.store.rates_of(rate.country_code, rate.tax_class, session)
            rules.require_no_overlap(rate, others)
            if new:
                await self.store.insert_rate(rate, session)
            else:
                await self.store.replace_rate(rate, session)
            return response_type(tax_rate=to_message(rate, T.TaxRate))

        return write

    async def _forget_rates(self, response: RateReply) -> RateReply:
        self.rates.cache.forget(("rates", response.tax_rate.country_code))
        return response

    async def ListTaxRates(
        self, request: T.ListTaxRatesRequest, context: aio.ServicerContext
    ) -> T.ListTaxRatesResponse:
        country = request.country_code
        if country:
            rules.require_country(country, "country_code")
        limit = page_size(request.page_size)
        query = fingerprint("tax_rates", country)
        after = decode_cursor(request.page_token, 1, query=query, kinds=(str,))
        rates = await self.store.page(country, after[0] if after else "", limit + 1)
        reply = T.ListTaxRatesResponse(
            tax_rates=[to_message(rate, T.TaxRate) for rate in rates[:limit]]
        )
        if len(rates) > limit:
            reply.next_page_token = encode_cursor([rates[limit - 1].id], query)
        return reply

    async def GetChannelTax(
        self, request: T.GetChannelTaxRequest, context: aio.ServicerContext
    ) -> T.GetChannelTaxResponse:
        channel = _channel(request.channel, "channel")
        found = await self.channels.of(channel)
        return T.GetChannelTaxResponse(channel_tax=to_message(found, T.ChannelTax))

    async def UpdateChannelTax(
        self, request: T.UpdateChannelTaxRequest, context: aio.ServicerContext
    ) -> T.UpdateChannelTaxResponse:
        async def plan() -> Work[T.UpdateChannelTaxResponse]:
            given = request.channel_tax
            channel = _channel(given.channel, "channel_tax.channel")
            paths = list(request.update_mask.paths) or list(CHANNEL_TAX_PATHS)
            unknown = [path for path in paths if path not in CHANNEL_TAX_PATHS]
            if unknown:
                raise InvalidArgument(
                    f"update_mask may name {' and '.join(CHANNEL_TAX_PATHS)}, not {unknown[0]!r}",
                    field="update_mask",
                )
            current = await self.store.channel_tax(channel) or self.channels.default(channel)
            changed = ChannelTax(
                channel,
                given.country_code if "country_code" in paths else current.country_code,
                given.prices_include_tax
                if "prices_include_tax" in paths
                else current.prices_include_tax,
                updated_at=utcnow(),
            )
            rules.require_country(changed.country_code, "channel_tax.country_code")
            response = T.UpdateChannelTaxResponse(channel_tax=to_message(changed, T.ChannelTax))

            async def write(session: AsyncClientSession) -> T.UpdateChannelTaxResponse:
                await self.store.save_channel_tax(changed, session)
                return response

            return write

        async def forget(response: T.UpdateChannelTaxResponse) -> T.UpdateChannelTaxResponse:
            self.channels.cache.forget(
                ("channel", member(SalesChannel, _CHANNELS, response.channel_tax.channel))
            )
            return response

        return await self.idempotency.run(
            context, request, T.UpdateChannelTaxResponse, plan, then=forget
        )


_CHANNELS = common_pb2.SalesChannel.DESCRIPTOR


def _channel(number: int, field: str) -> SalesChannel:
    channel = member(SalesChannel, _CHANNELS, number)
    if channel is SalesChannel.UNSPECIFIED:
        raise InvalidArgument(f"{field} is required (a sales channel)", field=field)
    return channel
