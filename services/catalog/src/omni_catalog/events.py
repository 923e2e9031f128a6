"""What the catalog publishes (subjects omni.catalog.<entity>.<event>): protobuf contracts, built
from domain values by the API edge's mapping."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from google.protobuf.field_mask_pb2 import FieldMask
from google.protobuf.message import Message

from omni.catalog.v1 import events_pb2
from omni_catalog.api.messages import channel_ref, listing_message, money_message, product_message
from omni_catalog.domain.listings import ChannelListing
from omni_catalog.domain.money import Money
from omni_catalog.domain.products import Product
from omni_kit.facts import Event, make_event
from omni_kit.ids import new_id

STREAM = "OMNI_CATALOG"
SUBJECTS = ["omni.catalog.>"]


def product_created(product: Product) -> Event:
    return _about_product(
        events_pb2.ProductCreated, "created", product, product=product_message(product)
    )


def product_updated(product: Product, changed: Sequence[str]) -> Event:
    return _about_product(
        events_pb2.ProductUpdated,
        "updated",
        product,
        product=product_message(product),
        changed_fields=FieldMask(paths=list(changed)),
    )


def product_deleted(product: Product) -> Event:
    skus = [variant.sku for variant in product.variants]
    return _about_product(
        events_pb2.ProductDeleted, "deleted", product, product_id=product.id, skus=skus
    )


def product_published(listing: ChannelListing, skus: Sequence[str]) -> Event:
    return _about_listing(
        events_pb2.ProductPublished, "omni.catalog.product.published", listing, skus=list(skus)
    )


def product_unpublished(listing: ChannelListing, skus: Sequence[str], reason: str) -> Event:
    return _about_listing(
        events_pb2.ProductUnpublished,
        "omni.catalog.product.unpublished",
        listing,
        skus=list(skus),
        reason=reason,
    )


def price_changed(listing: ChannelListing, before: ChannelListing, skus: Sequence[str]) -> Event:
    return _about_listing(
        events_pb2.PriceChanged,
        "omni.catalog.price.changed",
        listing,
        skus=list(skus),
        previous_price=None if before.price is None else money_message(before.price),
        previous_sale_price=(
            None if before.sale_price is None else money_message(before.sale_price)
        ),
    )


def effective_price_changed(
    listing: ChannelListing, at: datetime, previous: Money, skus: Sequence[str]
) -> Event:
    """The price in force at `at` is no longer `previous` (a sale window opened or closed)."""
    return _about_listing(
        events_pb2.EffectivePriceChanged,
        "omni.catalog.price.effective_changed",
        listing,
        at=at,
        previous_effective_price=money_message(previous),
        skus=list(skus),
    )


def products_imported(products: Sequence[Product], listings: Sequence[ChannelListing]) -> Event:
    return make_event(
        events_pb2.ProductsImported,
        "omni.catalog.products.imported",
        source="catalog",
        aggregate_type="import",
        aggregate_id=new_id("imp"),
        products=[product_message(product) for product in products],
        listings=[listing_message(listing) for listing in listings],
    )


def _about_product(
    message_type: type[Message], event: str, aggregate: Product, **fields: Any
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
    message_type: type[Message],
    subject: str,
    listing: ChannelListing,
    at: datetime | None = None,
    **fields: Any,
) -> Event:
    """An event about a listing; with `at`, its payload shows the price in force then."""
    return make_event(
        message_type,
        subject,
        source="catalog",
        aggregate_type="listing",
        aggregate_id=listing.product_id,
        aggregate_version=listing.version,
        channel=channel_ref(listing.channel),
        listing=listing_message(listing, at),
        **fields,
    )
