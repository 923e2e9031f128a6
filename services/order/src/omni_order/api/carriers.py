"""Carrier look-ups for the shop: a carrier's cities and its pickup points in one."""

from __future__ import annotations

from grpc import aio

from omni.order.v1 import order_pb2
from omni_kit.errors import InvalidArgument
from omni_order.api.deps import Deps
from omni_order.carriers.options import public_point
from omni_order.domain.common import require

C = order_pb2
MAX_LIMIT = 50
DEFAULT_LIMIT = 10


def _limit(value: int) -> int:
    if value < 0 or value > MAX_LIMIT:
        raise InvalidArgument(f"limit must be between 1 and {MAX_LIMIT}", field="limit")
    return value or DEFAULT_LIMIT


class CarriersApi:
    deps: Deps

    async def SearchCarrierCities(
        self, request: C.SearchCarrierCitiesRequest, context: aio.ServicerContext
    ) -> C.SearchCarrierCitiesResponse:
        carrier = self.deps.carriers.get(require(request.carrier, "carrier"))
        query = request.query.strip()
        if len(query) < 2:
            raise InvalidArgument("query needs at least 2 characters of the city", field="query")
        cities = await carrier.search_cities(query, _limit(request.limit))
        return C.SearchCarrierCitiesResponse(
            cities=[C.CarrierCity(id=c.ref, name=c.name, region=c.region) for c in cities]
        )

    async def SearchCarrierPickupPoints(
        self, request: C.SearchCarrierPickupPointsRequest, context: aio.ServicerContext
    ) -> C.SearchCarrierPickupPointsResponse:
        carrier = self.deps.carriers.get(require(request.carrier, "carrier"))
        city = require(request.city_id, "city_id")
        points = await carrier.pickup_points(city, request.query.strip(), _limit(request.limit))
        return C.SearchCarrierPickupPointsResponse(points=[public_point(p) for p in points])
