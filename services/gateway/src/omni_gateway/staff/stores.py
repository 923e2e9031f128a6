"""A store (or warehouse) for staff: its staff, consultants and admins read where it is, when it
opens and what it does. Its stock is under /staff/v1/inventory/stores/{store_id}."""

from __future__ import annotations

from litestar import Controller, get
from litestar.datastructures import State
from litestar.di import Provide

from omni.inventory.v1 import inventory_pb2
from omni_gateway.security import dependencies as auth
from omni_gateway.security.guards import store_in_path
from omni_gateway.views.location import StoreView, store_view


class StaffStores(Controller):
    path = "/staff/v1/stores"
    tags = ["stores (staff)"]
    dependencies = {"principal": Provide(auth.staff)}
    security = [{"bearerAuth": []}]

    @get(
        "/{store_id:str}",
        summary="A store location (staff of that store, consultants, admins)",
        guards=[store_in_path()],
    )
    async def store(self, state: State, store_id: str) -> StoreView:
        reply = await state.downstream.call(
            state.downstream.inventory.GetStockLocation,
            inventory_pb2.GetStockLocationRequest(location_id=store_id),
            idempotent=True,
        )
        return store_view(reply.location)
