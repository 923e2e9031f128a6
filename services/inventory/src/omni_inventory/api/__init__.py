"""The InventoryService gRPC servicer: protobuf <-> domain and store, one module per area."""

from __future__ import annotations

from omni.inventory.v1 import inventory_pb2_grpc
from omni_inventory.api.promise import Promise
from omni_inventory.api.reservations import Reservations
from omni_inventory.api.stock import Stock
from omni_inventory.api.transfers import Transfers


class InventoryApi(
    Promise, Reservations, Stock, Transfers, inventory_pb2_grpc.InventoryServiceServicer
):
    pass
