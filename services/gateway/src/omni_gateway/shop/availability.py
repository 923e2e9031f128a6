"""Availability for frontends: what the caller's channel can promise of a SKU, in total and per
location (nearest first around a point), and when more arrives."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.datastructures import State
from litestar.di import Provide
from litestar.params import Parameter

from omni.common.v1 import common_pb2
from omni.inventory.v1 import inventory_pb2
from omni_gateway.context import channel_ref
from omni_gateway.security import dependencies as auth
from omni_gateway.security.principals import Channel
from omni_gateway.views.stock import SkuAvailability, sku_availability


class Availability(Controller):
    path = "/api/v1/availability"
    tags = ["inventory"]
    dependencies = {"channel": Provide(auth.frontend_channel)}

    @get("/{sku:str}", summary="Where a SKU is available: totals, per store, click & collect")
    async def availability(
        self,
        state: State,
        channel: Channel,
        sku: str,
        lat: Annotated[float | None, Parameter(ge=-90, le=90)] = None,
        lng: Annotated[float | None, Parameter(ge=-180, le=180)] = None,
        radius_km: Annotated[float, Parameter(ge=0, le=20000)] = 0,
        click_and_collect: bool = False,
        max_locations: Annotated[int, Parameter(ge=0, le=100)] = 10,
    ) -> SkuAvailability:
        request = inventory_pb2.GetAvailableToPromiseRequest(
            skus=[sku],
            channel=channel_ref(channel),
            radius_km=radius_km,
            click_and_collect_only=click_and_collect,
            max_locations=max_locations,
        )
        near = lat is not None and lng is not None
        if lat is not None and lng is not None:
            request.near.CopyFrom(common_pb2.GeoPoint(lat=lat, lng=lng))
        reply = await state.downstream.call(
            state.downstream.inventory.GetAvailableToPromise, request, idempotent=True
        )
        return sku_availability(reply.availability[0], near=near)
