"""What the catalog publishes (subjects omni.catalog.<entity>.<event>)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from google.protobuf.field_mask_pb2 import FieldMask
from google.protobuf.message import Message

from omni.catalog.v1 import catalog_pb2, events_pb2
from omni.common.v1 import common_pb2
from omni_kit.facts import Event, make_event
from omni_kit.ids import new_id

STREAM = "OMNI_CATALOG"
SUBJECTS = ["omni.catalog.>"]


def product_created(product: catalog_pb2.Product) -> Event:
    return _about_product(events_pb2.ProductCreated, "created", product, product=product)


def product_updated(product: catalog_pb2.Product, changed: Sequence[str]) -> Event:
    return _about_product(
        events_pb2.ProductUpdated,
        "updated",
        product,
        product=product,
        changed_fields=FieldMask(paths=list(changed)),
    )


def product_deleted(product: catalog_pb2.Product) -> Event:
    skus = [variant.sku for variant in product.variants]
    return _about_product(
        events_pb2.ProductDeleted, "deleted", product, product_id=product.id, skus=skus
    )


def product_published(listing: catalog_pb2.ChannelListing, skus: Sequence[str]) -> Event:
    return _about_listing(
        events_pb2.ProductPublished, "omni.catalog.product.published", listing, skus=list(skus)
    )


def product_unpublished(
    listing: catalog_pb2.ChannelListing, skus: Sequence[str], reason: str
) -> Event:
    return _about_listing(
        events_pb2.ProductUnpublished,
        "omni.catalog.product.unpublished",
        listing,
        skus=list(skus),
        reason=reason,
    )


def price_changed(
    listing: catalog_pb2.ChannelListing,
    before: catalog_pb2.ChannelListing,
    skus: Sequence[str],
) -> Event:
    previous = {
        "previous_price": before.price if before.HasField("price") else None,
        "previous_sale_price": before.sale_price if before.HasField("sale_price") else None,
    }
    return _about_listing(
        events_pb2.PriceChanged,
        "omni.catalog.price.changed",
        listing,
        skus=list(skus),
        **previous,
    )


def effective_price_changed(
    listing: catalog_pb2.ChannelListing,
    previous: common_pb2.Money,
    skus: Sequence[str],
) -> Event:
    return _about_listing(
        events_pb2.EffectivePriceChanged,
        "omni.catalog.price.effective_changed",
        listing,
        previous_effective_price=previous,
        skus=list(skus),
    )


def products_imported(
    products: Sequence[catalog_pb2.Product], listings: Sequence[catalog_pb2.ChannelListing]
) -> Event:
    return make_event(
        events_pb2.ProductsImported,
        "omni.catalog.products.imported",
        source="catalog",
        aggregate_type="import",
        aggregate_id=new_id("imp"),
        products=list(products),
        listings=list(listings),
    )


def _about_product(
    message_type: type[Message], event: str, aggregate: catalog_pb2.Product, **fields: Any
) -> Event:
    return make_event(
        message_type,
        f"omni.catalog.product.{event}",
        source="catalog",
        aggregate_type="product",
        aggregate_id=aggregate.id,
        aggregate_version=aggregate.version,
        **fields,
    )


def _about_listing(
    message_type: type[Message], subject: str, listing: catalog_pb2.ChannelListing, **fields: Any
) -> Event:
    return make_event(
        message_type,
        subject,
        source="catalog",
        aggregate_type="listing",
        aggregate_id=listing.product_id,
        aggregate_version=listing.version,
        channel=listing.channel,
        listing=listing,
        **fields,
    )
