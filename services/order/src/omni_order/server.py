"""Wiring only: the order service's store, clients, saga, workers and gRPC servicer."""

from omni.catalog.v1 import catalog_pb2_grpc
from omni.inventory.v1 import inventory_pb2_grpc
from omni.order.v1 import (
    order_pb2,
    order_pb2_grpc,
    promotions_pb2,
    promotions_pb2_grpc,
    tax_pb2,
    tax_pb2_grpc,
)
from omni_kit.app import ServiceApp, channel
from omni_kit.events import stream_name, stream_subjects
from omni_kit.events.backoff import Backoff
from omni_kit.outbound import OutboundClient
from omni_kit.runtime import Infrastructure
from omni_order import events, workers
from omni_order.api import Deps, OrderApi
from omni_order.api.promotions import PromotionApi
from omni_order.api.store_nodes import measure_silences
from omni_order.api.tax import TaxApi
from omni_order.carriers.fulfilment import poll_tracking
from omni_order.carriers.wiring import build_carriers
from omni_order.clients import CatalogClient, InventoryClient
from omni_order.customer_merges import CONSUMED_DOMAINS, MOVE_INDEXES, CustomerMerges
from omni_order.payments import configured_providers
from omni_order.payments.checkout import PaymentLinks
from omni_order.saga import RetryBound, Saga
from omni_order.settings import OrderSettings
from omni_order.store import (
    INDEXES,
    MIGRATIONS,
    OBSOLETE_INDEXES,
    CartStore,
    OrderStore,
    PaymentCallbackStore,
    ReturnStore,
)
from omni_order.store.tax import TaxStore
from omni_order.tax.builtin import BuiltinTaxProvider
from omni_order.tax.channels import ChannelTaxes, Taxes


async def create_app(settings: OrderSettings) -> ServiceApp:
    app = ServiceApp(settings)
    streams = {events.STREAM: events.SUBJECTS}
    streams.update({stream_name(d): stream_subjects(d) for d in CONSUMED_DOMAINS})
    infra = Infrastructure(
        app,
        {**INDEXES, **MOVE_INDEXES},
        streams=streams,
        obsolete_indexes=OBSOLETE_INDEXES,
        migrations=MIGRATIONS,
    )
    timeout = settings.downstream_timeout_seconds
    catalog_channel = channel(settings.catalog_addr, default_timeout=timeout)
    inventory_channel = channel(settings.inventory_addr, default_timeout=timeout)
    inventory = InventoryClient(
        inventory_pb2_grpc.InventoryServiceStub(inventory_channel), settings.cart_hold_seconds
    )
    orders = OrderStore(infra, settings.report_time_zones)
    CustomerMerges(infra, orders)
    outbound = OutboundClient(
        settings.outbound_policy(), timeout=settings.payment_http_timeout_seconds
    )
    payments = configured_providers(settings, infra.db, outbound)
    carrier_http = OutboundClient(
        settings.outbound_policy(), timeout=settings.carrier_timeout_seconds
    )
    bound = RetryBound(
        max_attempts=settings.saga_max_attempts,
        max_seconds=settings.saga_max_seconds,
        backoff=Backoff(
            first=settings.saga_retry_first_seconds,
            maximum=settings.saga_retry_max_delay_seconds,
        ),
    )
    tax_store = TaxStore(infra.db)
    rates = BuiltinTaxProvider(tax_store, settings.tax_cache_seconds)
    channel_taxes = ChannelTaxes(tax_store, settings.tax_default_country, rates.cache)
    taxes = Taxes(rates, channel_taxes)
    deps = Deps(
        settings=settings,
        carts=CartStore(infra.db),
        orders=orders,
        returns=ReturnStore(infra.db),
        catalog=CatalogClient(catalog_pb2_grpc.CatalogServiceStub(catalog_channel)),
        inventory=inventory,
        payments=payments,
        callbacks=PaymentCallbackStore(infra.db),
        saga=Saga(
            orders,
            inventory,
            payments,
            payment_timeout=settings.payment_timeout_seconds,
            links=PaymentLinks(settings.payment_notify_base_url, settings.payment_return_url),
            poll_seconds=settings.payment_status_poll_seconds,
            action_seconds=settings.payment_action_seconds,
            bound=bound,
        ),
        idempotency=infra.idempotency,
        carriers=build_carriers(settings, carrier_http),
        taxes=taxes,
        vouchers=orders.vouchers,
    )
    api = OrderApi(deps)
    app.add_service(
        order_pb2.DESCRIPTOR.services_by_name["OrderService"].full_name,
        lambda server: order_pb2_grpc.add_OrderServiceServicer_to_server(api, server),
    )
    promotion_api = PromotionApi(deps.vouchers, deps.catalog, infra.idempotency)
    app.add_service(
        promotions_pb2.DESCRIPTOR.services_by_name["PromotionService"].full_name,
        lambda server: promotions_pb2_grpc.add_PromotionServiceServicer_to_server(
            promotion_api, server
        ),
    )
    tax_api = TaxApi(tax_store, rates, channel_taxes, infra.idempotency)
    app.add_service(
        tax_pb2.DESCRIPTOR.services_by_name["TaxService"].full_name,
        lambda server: tax_pb2_grpc.add_TaxServiceServicer_to_server(tax_api, server),
    )
    app.add_background_task(
        "saga-resumer",
        lambda: workers.every(
            settings.saga_resume_interval_seconds, lambda: workers.resume_sagas(deps)
        ),
    )
    app.add_background_task(
        "pickup-sweeper",
        lambda: workers.every(
            settings.pickup_sweep_interval_seconds, lambda: workers.sweep_pickups(deps)
        ),
    )
    app.add_background_task(
        "voucher-hold-sweeper",
        lambda: workers.every(
            settings.voucher_sweep_interval_seconds, lambda: workers.sweep_voucher_holds(deps)
        ),
    )
    app.add_background_task(
        "store-node-gauge",
        lambda: workers.every(settings.store_node_gauge_seconds, lambda: measure_silences(deps)),
    )
    app.add_background_task("sales-totals", lambda: workers.count_sales(deps))
    poll = settings.tracking_poll_interval_seconds
    app.add_background_task(
        "carrier-tracking",
        lambda: workers.every(poll, lambda: poll_tracking(deps.carriers, orders, poll)),
    )

    async def close_channels() -> None:
        await catalog_channel.close()
        await inventory_channel.close()
        await carrier_http.aclose()
        await outbound.aclose()

    app.on_shutdown(close_channels)
    return app
