"""Catalog resources as MongoDB documents and back.

The kit's mapping writes int64 fields as strings (proto3 JSON); versions and money amounts are
stored as numbers here so they can be compared, filtered and sorted. Derived search fields sit
beside the resource fields and are ignored when a document is read back."""

from __future__ import annotations

from typing import Any

from omni.catalog.v1 import catalog_pb2
from omni_catalog.domain.listings import channel_key
from omni_kit.protos import from_document, to_document

MONEY_FIELDS = ("price", "sale_price")
# On the listings of a deleted product: the SKUs it had.
RETIRED = "retired_skus"


def product_document(product: catalog_pb2.Product) -> dict[str, Any]:
    document = to_document(product)
    document["version"] = product.version
    return document


def product_of(document: dict[str, Any]) -> catalog_pb2.Product:
    return from_document(document, catalog_pb2.Product)


def category_document(category: catalog_pb2.Category) -> dict[str, Any]:
    document = to_document(category)
    document["version"] = category.version
    return document


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
    document["version"] = listing.version
    for name in MONEY_FIELDS:
        if listing.HasField(name):  # type: ignore[arg-type]
            document[name]["amount_minor"] = getattr(listing, name).amount_minor
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
