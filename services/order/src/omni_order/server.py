"""Wiring only: the order service's store, events and gRPC servicer on a kit ServiceApp."""

from omni.order.v1 import order_pb2, order_pb2_grpc
from omni_kit.app import ServiceApp
from omni_kit.runtime import Infrastructure
from omni_order import events
from omni_order.api import OrderApi
from omni_order.settings import OrderSettings
from omni_order.store import INDEXES, CartStore


async def create_app(settings: OrderSettings) -> ServiceApp:
    app = ServiceApp(settings)
    infra = Infrastructure(app, INDEXES, streams={events.STREAM: events.SUBJECTS})
    api = OrderApi(CartStore(infra.db))
    app.add_service(
        order_pb2.DESCRIPTOR.services_by_name["OrderService"].full_name,
        lambda server: order_pb2_grpc.add_OrderServiceServicer_to_server(api, server),
    )
    return app
