"""Wiring only: the catalog's store, events and gRPC servicer on a kit ServiceApp."""

from omni.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from omni_catalog import events
from omni_catalog.api import CatalogApi
from omni_catalog.sale_windows import SaleWindows
from omni_catalog.settings import CatalogSettings
from omni_catalog.store import INDEXES, MIGRATIONS
from omni_kit.app import ServiceApp
from omni_kit.runtime import Infrastructure


async def create_app(settings: CatalogSettings) -> ServiceApp:
    app = ServiceApp(settings)
    infra = Infrastructure(
        app, INDEXES, streams={events.STREAM: events.SUBJECTS}, migrations=MIGRATIONS
    )
    api = CatalogApi(infra)
    app.add_background_task("vocabulary", api.readmodel.words.run)
    app.add_background_task("sale-windows", SaleWindows(infra, api.readmodel, settings).run)
    app.add_service(
        catalog_pb2.DESCRIPTOR.services_by_name["CatalogService"].full_name,
        lambda server: catalog_pb2_grpc.add_CatalogServiceServicer_to_server(api, server),
    )
    return app
