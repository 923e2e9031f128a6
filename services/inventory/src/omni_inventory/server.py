"""Wiring only: the inventory's store, events, expiry sweep and gRPC servicer on a ServiceApp."""

from omni.inventory.v1 import inventory_pb2, inventory_pb2_grpc
from omni_inventory import events, expiry
from omni_inventory.api import InventoryApi
from omni_inventory.settings import InventorySettings
from omni_inventory.store import INDEXES, MIGRATIONS, Collections
from omni_kit.app import ServiceApp
from omni_kit.runtime import Infrastructure


async def create_app(settings: InventorySettings) -> ServiceApp:
    app = ServiceApp(settings)
    infra = Infrastructure(
        app, INDEXES, streams={events.STREAM: events.SUBJECTS}, migrations=MIGRATIONS
    )
    api = InventoryApi(infra, Collections(infra.db), settings)
    app.add_service(
        inventory_pb2.DESCRIPTOR.services_by_name["InventoryService"].full_name,
        lambda server: inventory_pb2_grpc.add_InventoryServiceServicer_to_server(api, server),
    )
    app.add_background_task(
        "reservation-expiry", lambda: expiry.run(api, settings.expiry_sweep_seconds)
    )
    return app
