"""Wiring only: the customer service's store, events and gRPC servicer on a kit ServiceApp."""

from omni.customer.v1 import customer_pb2, customer_pb2_grpc
from omni_customer import events
from omni_customer.api import CustomerApi
from omni_customer.events.consume import CONSUMED_DOMAINS, EventConsumers
from omni_customer.settings import CustomerSettings
from omni_customer.store import INDEXES, MIGRATIONS, CustomerStore
from omni_kit.app import ServiceApp
from omni_kit.events import stream_name, stream_subjects
from omni_kit.logs import get_logger
from omni_kit.runtime import Infrastructure

log = get_logger("omni.customer")


async def index_names(store: CustomerStore) -> None:
    """Once at start: profiles stored before the search words existed get them."""
    changed = await store.profiles.index_names()
    if changed:
        log.info("profile_search_words_added", profiles=changed)


async def create_app(settings: CustomerSettings) -> ServiceApp:
    app = ServiceApp(settings)
    streams = {events.STREAM: events.SUBJECTS}
    streams.update({stream_name(d): stream_subjects(d) for d in CONSUMED_DOMAINS})
    infra = Infrastructure(app, INDEXES, streams=streams, migrations=MIGRATIONS)
    store = CustomerStore(infra.db)
    EventConsumers(infra, store)
    api = CustomerApi(infra, store, settings)
    app.add_background_task("search-words", lambda: index_names(store))
    app.add_service(
        customer_pb2.DESCRIPTOR.services_by_name["CustomerService"].full_name,
        lambda server: customer_pb2_grpc.add_CustomerServiceServicer_to_server(api, server),
    )
    return app
