"""A store or warehouse, for the staff who may act for it."""

from __future__ import annotations

from litestar import get
from litestar.datastructures import State

from omni.inventory.v1 import inventory_pb2
from omni_gateway.security.guards import store_in_path
from omni_gateway.views.store import Store, store_view


@get(
    "/staff/v1/stores/{store_id:str}",
    tags=["staff admin"],
    summary="A store location (staff of that store, consultants, admins)",
    guards=[store_in_path("store_id")],
    security=[{"bearerAuth": []}],
)
async def store(state: State, store_id: str) -> Store:
    reply = await state.downstream.call(
        state.downstream.inventory.GetStockLocation,
        inventory_pb2.GetStockLocationRequest(location_id=store_id),
        idempotent=True,
    )
    return store_view(reply.location)
