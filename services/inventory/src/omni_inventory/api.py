"""The InventoryService gRPC servicer: protobuf <-> domain and store."""

from __future__ import annotations

from grpc import aio

from omni.inventory.v1 import inventory_pb2, inventory_pb2_grpc
from omni_inventory import domain
from omni_inventory.store import LocationStore
from omni_kit.errors import InvalidArgument, NotFound
from omni_kit.ids import new_id, utcnow
from omni_kit.protos import from_document, to_document, to_timestamp


class InventoryApi(inventory_pb2_grpc.InventoryServiceServicer):
    def __init__(self, locations: LocationStore) -> None:
        self.locations = locations

    async def CreateStockLocation(
        self, request: inventory_pb2.CreateStockLocationRequest, context: aio.ServicerContext
    ) -> inventory_pb2.CreateStockLocationResponse:
        given = request.location
        domain.validate_new_location(
            given.code, given.name, given.kind != 0, given.geo.lat, given.geo.lng
        )
        location = inventory_pb2.StockLocation()
        location.CopyFrom(given)
        location.id = new_id("loc")
        location.version = 1
        location.created_at.CopyFrom(to_timestamp(utcnow()))
        location.updated_at.CopyFrom(location.created_at)
        await self.locations.insert(to_document(location))
        return inventory_pb2.CreateStockLocationResponse(location=location)

    async def GetStockLocation(
        self, request: inventory_pb2.GetStockLocationRequest, context: aio.ServicerContext
    ) -> inventory_pb2.GetStockLocationResponse:
        if not request.location_id:
            raise InvalidArgument("location_id is required", field="location_id")
        document = await self.locations.get(request.location_id)
        if document is None:
            raise NotFound(
                f"no location with id {request.location_id!r}", reason="LOCATION_NOT_FOUND"
            )
        return inventory_pb2.GetStockLocationResponse(
            location=from_document(document, inventory_pb2.StockLocation)
        )
