"""What the catalog publishes (subjects omni.catalog.<entity>.<event>)."""

from __future__ import annotations

from omni.catalog.v1 import catalog_pb2, events_pb2
from omni_kit.facts import Event, make_event

STREAM = "OMNI_CATALOG"
SUBJECTS = ["omni.catalog.>"]


def product_created(product: catalog_pb2.Product) -> Event:
    return make_event(
        events_pb2.ProductCreated,
        "omni.catalog.product.created",
        source="catalog",
        aggregate_type="product",
        aggregate_id=product.id,
        aggregate_version=product.version,
        product=product,
    )
