"""Pickup points for frontends: click & collect locations near a point, a postal code or in a
city, with their opening hours and, for an item (SKU), whether it is in stock there now."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.datastructures import State
from litestar.di import Provide
from litestar.params import Parameter

from omni.common.v1 import common_pb2
from omni.inventory.v1 import inventory_pb2
from omni_gateway.catalog_calls import call, invalid
from omni_gateway.context import channel_ref
from omni_gateway.security import dependencies as auth
from omni_gateway.security.principals import Channel
from omni_gateway.views.location import PickupPointPage, pickup_point


class PickupPoints(Controller):
    path = "/api/v1/pickup-points"
    tags = ["inventory"]
    dependencies = {"channel": Provide(auth.frontend_channel)}

    @get(
        "/",
        summary="Click & collect points near a point, a postal code or in a city; with `sku`, "
        "whether it is in stock at each",
    )
    async def pickup_points(
        self,
        state: State,
        channel: Channel,
        postal_code: Annotated[str, Parameter(max_length=20)] = "",
        city: Annotated[str, Parameter(max_length=100)] = "",
        lat: Annotated[float | None, Parameter(ge=-90, le=90)] = None,
        lng: Annotated[float | None, Parameter(ge=-180, le=180)] = None,
        radius_km: Annotated[float, Parameter(ge=0, le=20000)] = 0,
        sku: Annotated[str, Parameter(max_length=64)] = "",
        page_size: Annotated[int, Parameter(ge=1, le=100)] = 20,
        page_token: Annotated[str, Parameter(max_length=500)] = "",
    ) -> PickupPointPage:
        near = lat is not None and lng is not None
        if (lat is None) != (lng is None):
            raise invalid("lng" if lng is None else "lat", "give lat and lng together")
        if not (near or postal_code or city):
            raise invalid("postal_code", "give a postal_code, a city, or lat and lng")
        if near and postal_code:
            raise invalid("postal_code", "give lat and lng or a postal_code, not both")
        request = inventory_pb2.ListStockLocationsRequest(
            click_and_collect_only=True,
            city=city,
            postal_code=postal_code,
            radius_km=radius_km,
            page_size=page_size,
            page_token=page_token,
        )
        if lat is not None and lng is not None:
            request.near.CopyFrom(common_pb2.GeoPoint(lat=lat, lng=lng))
        places = await call(
            state, state.downstream.inventory.ListStockLocations, request, idempotent=True
        )
        available: dict[str, int] = {}
        if sku and places.locations:
            promise = await call(
                state,
                state.downstream.inventory.GetAvailableToPromise,
                inventory_pb2.GetAvailableToPromiseRequest(
                    skus=[sku], channel=channel_ref(channel), click_and_collect_only=True
                ),
                idempotent=True,
            )
            for item in promise.availability:
                available = {row.location_id: row.available for row in item.locations}
        return PickupPointPage(
            pickup_points=[
                pickup_point(
                    place,
                    places.distances_km[index] if near else None,
                    available.get(place.id, 0) if sku else None,
                )
                for index, place in enumerate(places.locations)
            ],
            next_page_token=places.next_page_token or None,
        )
