"""Demo data (`omni demo load`, and `make dev` at start): a store, a warehouse, a product and a
template.

Loaded through the services' own gRPC APIs, so it obeys every rule real data does. Loading
twice changes nothing: what already exists is left as it is.
"""

from __future__ import annotations

from typing import Any

import grpc

from omni.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from omni.common.v1 import common_pb2
from omni.inventory.v1 import inventory_pb2, inventory_pb2_grpc
from omni.notification.v1 import notification_pb2, notification_pb2_grpc
from omni_kit.idempotency import call_metadata

LOCATIONS = [
    inventory_pb2.StockLocation(
        code="BER-01",
        name="Omni Store Berlin-Mitte",
        kind=inventory_pb2.LOCATION_KIND_STORE,
        address=common_pb2.Address(lines=["Rosenthaler Str. 1"], city="Berlin", country_code="DE"),
        geo=common_pb2.GeoPoint(lat=52.5277, lng=13.4020),
        time_zone="Europe/Berlin",
        capabilities=inventory_pb2.LocationCapabilities(
            click_and_collect=True, receives_returns=True
        ),
        active=True,
    ),
    inventory_pb2.StockLocation(
        code="WH-LEJ",
        name="Omni Warehouse Leipzig",
        kind=inventory_pb2.LOCATION_KIND_WAREHOUSE,
        address=common_pb2.Address(lines=["Am Exer 10"], city="Leipzig", country_code="DE"),
        geo=common_pb2.GeoPoint(lat=51.4183, lng=12.2231),
        time_zone="Europe/Berlin",
        capabilities=inventory_pb2.LocationCapabilities(ships=True),
        active=True,
    ),
]

PRODUCT = catalog_pb2.Product(
    slug="linen-shirt",
    default_language="en",
    texts={
        "en": catalog_pb2.LocalizedText(name="Linen shirt", description="Breathable **linen**."),
        "de": catalog_pb2.LocalizedText(
            name="Leinenhemd", description="Atmungsaktives **Leinen**."
        ),
    },
    brand="Omni Basics",
    attributes={"material": "linen"},
    variants=[
        catalog_pb2.Variant(sku="LS-WHITE-M", attributes={"colour": "white", "size": "M"}),
        catalog_pb2.Variant(sku="LS-WHITE-L", attributes={"colour": "white", "size": "L"}),
    ],
)

TEMPLATE = notification_pb2.Template(
    event_type="omni.order.order.ready_for_pickup",
    channel=common_pb2.CONTACT_CHANNEL_SMS,
    language="en",
    body="Hi {{ customer_name }}, order {{ order_number }} is ready at {{ store_name }}. "
    "Pickup code: {{ pickup_code }}",
    purpose=common_pb2.CONTACT_PURPOSE_TRANSACTIONAL,
    urgent=True,
)


# Loading twice replays the first load (the same keys), so the demo data is there once.
CALLER = "demo-data"


async def load(addresses: dict[str, str]) -> dict[str, list[str]]:
    """Load it (what exists is left as it is); returns what the demo data is."""
    async with grpc.aio.insecure_channel(addresses["inventory"]) as channel:
        inventory = inventory_pb2_grpc.InventoryServiceStub(channel)
        for location in LOCATIONS:
            request = inventory_pb2.CreateStockLocationRequest(location=location)
            key = call_metadata(f"demo-{location.code}", CALLER)
            await _unless_exists(inventory.CreateStockLocation(request, timeout=10, metadata=key))
    async with grpc.aio.insecure_channel(addresses["catalog"]) as channel:
        catalog = catalog_pb2_grpc.CatalogServiceStub(channel)
        product = catalog_pb2.CreateProductRequest(product=PRODUCT)
        key = call_metadata("demo-linen-shirt", CALLER)
        await _unless_exists(catalog.CreateProduct(product, timeout=10, metadata=key))
    async with grpc.aio.insecure_channel(addresses["notification"]) as channel:
        notification = notification_pb2_grpc.NotificationServiceStub(channel)
        await notification.UpsertTemplate(
            notification_pb2.UpsertTemplateRequest(template=TEMPLATE), timeout=10
        )
    return {
        "locations": [location.code for location in LOCATIONS],
        "products": [PRODUCT.slug],
        "templates": [TEMPLATE.event_type],
    }


async def _unless_exists(call: grpc.aio.UnaryUnaryCall[Any, Any]) -> None:
    try:
        await call
    except grpc.aio.AioRpcError as error:
        if error.code() != grpc.StatusCode.ALREADY_EXISTS:
            raise
