"""Tax data for staff: rates per country and class with validity windows, and per channel the
country it taxes in and whether its prices include tax. Every staff role reads; admins change."""

from __future__ import annotations

from datetime import datetime

from google.protobuf.field_mask_pb2 import FieldMask
from litestar import Controller, get, patch, post
from litestar.datastructures import State
from litestar.di import Provide

from omni.order.v1 import tax_pb2
from omni_gateway.catalog_calls import PageSize, Text, Token, call
from omni_gateway.context import SALES_CHANNELS
from omni_gateway.security import dependencies as auth
from omni_gateway.security.guards import roles
from omni_gateway.security.principals import Channel, Principal, StaffRole
from omni_gateway.views.common import named_fields
from omni_gateway.views.tax import (
    TAX_CLASS,
    ChannelTax,
    ChannelTaxChanges,
    NewTaxRate,
    TaxRate,
    TaxRateEnd,
    TaxRateList,
    channel_tax_view,
    tax_rate_view,
)
from omni_kit.protos import to_timestamp

CHANNEL_TAX_FIELDS = {"channel_tax.country_code": "country_code", "channel_tax.channel": "channel"}
RATE_FIELDS = {"tax_rate.id": "rate_id"}


def _stamp(rate: tax_pb2.TaxRate, field: str, moment: datetime | None) -> None:
    if moment is not None:
        getattr(rate, field).CopyFrom(to_timestamp(moment))


class StaffTax(Controller):
    path = "/staff/v1/tax"
    tags = ["tax"]
    dependencies = {"principal": Provide(auth.staff)}
    security = [{"bearerAuth": []}]

    @get("/rates", summary="Tax rates, by country, class and start")
    async def rates(
        self,
        state: State,
        principal: Principal,
        country_code: Text = None,
        page_size: PageSize = 50,
        page_token: Token = None,
    ) -> TaxRateList:
        ask = tax_pb2.ListTaxRatesRequest(
            country_code=country_code or "", page_size=page_size, page_token=page_token or ""
        )
        reply = await call(state, state.downstream.tax.ListTaxRates, ask, idempotent=True)
        return TaxRateList(
            items=[tax_rate_view(rate) for rate in reply.tax_rates],
            next_page_token=reply.next_page_token or None,
        )

    @post(
        "/rates",
        summary="Add a rate for a country and class (a window overlapping another is refused)",
        guards=[roles(StaffRole.ADMIN)],
    )
    async def add_rate(self, state: State, principal: Principal, data: NewTaxRate) -> TaxRate:
        rate = tax_pb2.TaxRate(
            country_code=data.country_code,
            tax_class=TAX_CLASS.number(data.tax_class),
            rate_basis_points=data.rate_basis_points,
        )
        _stamp(rate, "valid_from", data.valid_from)
        _stamp(rate, "valid_until", data.valid_until)
        reply = await call(
            state,
            state.downstream.tax.CreateTaxRate,
            tax_pb2.CreateTaxRateRequest(tax_rate=rate),
            idempotent=False,
        )
        return tax_rate_view(reply.tax_rate)

    @patch(
        "/rates/{rate_id:str}",
        summary="End a rate (set valid_until), e.g. before the next rate starts",
        guards=[roles(StaffRole.ADMIN)],
    )
    async def end_rate(
        self, state: State, principal: Principal, rate_id: str, data: TaxRateEnd
    ) -> TaxRate:
        rate = tax_pb2.TaxRate(id=rate_id)
        _stamp(rate, "valid_until", data.valid_until)
        ask = tax_pb2.UpdateTaxRateRequest(
            tax_rate=rate, update_mask=FieldMask(paths=["valid_until"])
        )
        reply = await call(
            state, state.downstream.tax.UpdateTaxRate, ask, idempotent=True, fields=RATE_FIELDS
        )
        return tax_rate_view(reply.tax_rate)

    @get("/channels/{channel:str}", summary="How a channel is taxed")
    async def channel_tax(self, state: State, principal: Principal, channel: Channel) -> ChannelTax:
        ask = tax_pb2.GetChannelTaxRequest(channel=SALES_CHANNELS[channel])
        reply = await call(state, state.downstream.tax.GetChannelTax, ask, idempotent=True)
        return channel_tax_view(reply.channel_tax)

    @patch(
        "/channels/{channel:str}",
        summary="Set a channel's tax country and whether its prices include tax",
        guards=[roles(StaffRole.ADMIN)],
    )
    async def change_channel_tax(
        self, state: State, principal: Principal, channel: Channel, data: ChannelTaxChanges
    ) -> ChannelTax:
        paths = named_fields(data)
        given = tax_pb2.ChannelTax(channel=SALES_CHANNELS[channel])
        if isinstance(data.country_code, str):
            given.country_code = data.country_code
        if isinstance(data.prices_include_tax, bool):
            given.prices_include_tax = data.prices_include_tax
        ask = tax_pb2.UpdateChannelTaxRequest(channel_tax=given, update_mask=FieldMask(paths=paths))
        reply = await call(
            state,
            state.downstream.tax.UpdateChannelTax,
            ask,
            idempotent=True,
            paths=paths,
            fields=CHANNEL_TAX_FIELDS,
        )
        return channel_tax_view(reply.channel_tax)
