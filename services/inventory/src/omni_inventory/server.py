"""Wiring only: the inventory's store, events and gRPC servicer on a kit ServiceApp."""

from omni.inventory.v1 import inventory_pb2, inventory_pb2_grpc
from omni_inventory import events
from omni_inventory.api import InventoryApi
from omni_inventory.settings import InventorySettings
from omni_inventory.store import INDEXES, LocationStore
from omni_kit.app import ServiceApp
from omni_kit.runtime import Infrastructure


async def create_app(settings: InventorySettings) -> ServiceApp:
    app = ServiceApp(settings)
    infra = Infrastructure(app, INDEXES, streams={events.STREAM: events.SUBJECTS})
    api = InventoryApi(LocationStore(infra.db))
    app.add_service(
        inventory_pb2.DESCRIPTOR.services_by_name["InventoryService"].full_name,
        lambda server: inventory_pb2_grpc.add_InventoryServiceServicer_to_server(api, server),
    )
    return app
