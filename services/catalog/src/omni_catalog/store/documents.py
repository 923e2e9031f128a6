"""Catalog resources as MongoDB documents and back (the kit's mapping: versions and money
amounts are numbers). Derived fields sit beside the resource fields and are ignored when a
document is read back."""

from __future__ import annotations

from typing import Any

from omni.catalog.v1 import catalog_pb2
from omni_catalog.domain.listings import channel_key
from omni_kit.protos import from_document, to_document

# On the listings of a deleted product: the SKUs it had.
RETIRED = "retired_skus"


def product_document(product: catalog_pb2.Product) -> dict[str, Any]:
    return to_document(product)


def product_of(document: dict[str, Any]) -> catalog_pb2.Product:
    return from_document(document, catalog_pb2.Product)


def category_document(category: catalog_pb2.Category) -> dict[str, Any]:
    return to_document(category)


def category_of(document: dict[str, Any]) -> catalog_pb2.Category:
    return from_document(document, catalog_pb2.Category)


def listing_id(product_id: str, key: str) -> str:
    return f"{product_id}|{key}"


def listing_document(listing: catalog_pb2.ChannelListing) -> dict[str, Any]:
    shown = catalog_pb2.ChannelListing()
    shown.CopyFrom(listing)
    shown.ClearField("effective_price")
    document = to_document(shown)
    key = channel_key(listing.channel)
    document["_id"] = listing_id(listing.product_id, key)
    document["channel_key"] = key
    return document


def listing_of(document: dict[str, Any]) -> catalog_pb2.ChannelListing:
    return from_document(document, catalog_pb2.ChannelListing)


def retired_product(listing: dict[str, Any]) -> catalog_pb2.Product:
    """What is left of a deleted product, from one of its tombstone listings."""
    return catalog_pb2.Product(
        id=listing["product_id"],
        status=catalog_pb2.PRODUCT_STATUS_ARCHIVED,
        variants=[catalog_pb2.Variant(sku=sku) for sku in listing[RETIRED]],
    )
