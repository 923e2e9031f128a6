"""Carrier look-ups for the checkout: a carrier's cities by name and its pickup points
(branches, parcel lockers) in one city, to deliver a parcel to."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.datastructures import State
from litestar.di import Provide
from litestar.params import Parameter

from omni.order.v1 import order_pb2
from omni_gateway.security import dependencies as auth
from omni_gateway.views.delivery import (
    CarrierCities,
    CarrierCity,
    CarrierPickupPoints,
    carrier_point_view,
)

P = order_pb2
Carrier = Annotated[str, Parameter(pattern=r"^[a-z0-9_]{1,40}$")]


class Carriers(Controller):
    path = "/api/v1/carriers"
    tags = ["orders"]
    dependencies = {"channel": Provide(auth.frontend_channel)}

    @get("/{carrier:str}/cities", summary="A carrier's cities whose name starts with `name`")
    async def cities(
        self,
        state: State,
        carrier: Carrier,
        name: Annotated[str, Parameter(min_length=2, max_length=100)],
        limit: Annotated[int, Parameter(ge=1, le=50)] = 10,
    ) -> CarrierCities:
        reply = await state.downstream.call(
            state.downstream.order.SearchCarrierCities,
            P.SearchCarrierCitiesRequest(carrier=carrier, query=name, limit=limit),
            idempotent=True,
        )
        return CarrierCities([CarrierCity(c.id, c.name, c.region or None) for c in reply.cities])

    @get(
        "/{carrier:str}/pickup-points", summary="A carrier's branches and parcel lockers in a city"
    )
    async def pickup_points(
        self,
        state: State,
        carrier: Carrier,
        city_id: Annotated[str, Parameter(min_length=1, max_length=100)],
        search: Annotated[str, Parameter(max_length=100)] = "",
        limit: Annotated[int, Parameter(ge=1, le=50)] = 10,
    ) -> CarrierPickupPoints:
        """`search`: part of a point's name, number or address."""
        reply = await state.downstream.call(
            state.downstream.order.SearchCarrierPickupPoints,
            P.SearchCarrierPickupPointsRequest(
                carrier=carrier, city_id=city_id, query=search, limit=limit
            ),
            idempotent=True,
        )
        return CarrierPickupPoints([carrier_point_view(point) for point in reply.points])
