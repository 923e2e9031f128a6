"""Shared steps for the inventory integration tests."""

from __future__ import annotations

from omni.common.v1 import common_pb2
from omni.inventory.v1 import inventory_pb2, inventory_pb2_grpc

# Everything a request can write: a refused one must leave all of them as they were.
COLLECTIONS = (
    "stock",
    "ledger",
    "reservations",
    "transfers",
    "inbound",
    "outbox",
    "idempotency",
    "locations",
    "policies",
    "holders",
)


async def snapshot(db) -> dict[str, list]:
    """Every document, except that outbox entries count by id (the relay marks them sent)."""
    found = {}
    for name in COLLECTIONS:
        projection = {"_id": 1} if name == "outbox" else None
        found[name] = await db[name].find({}, projection).sort("_id").to_list(None)
    return found


async def add_location(
    stub: inventory_pb2_grpc.InventoryServiceStub,
    code: str,
    *,
    lat: float = 52.52,
    lng: float = 13.40,
    kind: int = inventory_pb2.LOCATION_KIND_STORE,
    ships: bool = True,
    click_and_collect: bool = True,
) -> str:
    location = inventory_pb2.StockLocation(
        code=code,
        name=f"Location {code}",
        kind=kind,
        geo=common_pb2.GeoPoint(lat=lat, lng=lng),
        capabilities=inventory_pb2.LocationCapabilities(
            ships=ships, click_and_collect=click_and_collect
        ),
    )
    reply = await stub.CreateStockLocation(
        inventory_pb2.CreateStockLocationRequest(location=location)
    )
    return reply.location.id


async def receive(
    stub: inventory_pb2_grpc.InventoryServiceStub, location_id: str, sku: str, quantity: int
) -> None:
    await stub.ReceiveStock(
        inventory_pb2.ReceiveStockRequest(
            location_id=location_id,
            lines=[inventory_pb2.StockQuantity(sku=sku, quantity=quantity)],
            reference="PO-1",
        )
    )


async def level(
    stub: inventory_pb2_grpc.InventoryServiceStub, sku: str, location_id: str
) -> inventory_pb2.StockLevel:
    reply = await stub.ListStockLevels(
        inventory_pb2.ListStockLevelsRequest(skus=[sku], location_ids=[location_id])
    )
    return reply.stock_levels[0]
