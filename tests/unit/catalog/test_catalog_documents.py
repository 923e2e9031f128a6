"""The catalog's documents keep the shape they had when the protobuf messages were stored
(`omni_kit.protos.to_document`): a document written then reads into the domain type and is
written back identical, so no data migration is needed."""

from __future__ import annotations

import pytest
from catalog_samples import T0, T1, full_product

from omni.catalog.v1 import catalog_pb2
from omni.common.v1 import common_pb2
from omni_catalog.domain.channels import SalesChannel
from omni_catalog.domain.money import Money
from omni_catalog.domain.products import MediaKind, ProductStatus
from omni_catalog.store.documents import (
    RETIRED,
    category_document,
    category_of,
    listing_document,
    listing_of,
    product_document,
    product_of,
    retired_product,
)
from omni_kit.protos import to_document, to_timestamp


@pytest.mark.parametrize(
    "message",
    [
        full_product(),
        catalog_pb2.Product(
            id="prod_2", version=1, slug="mug", status=catalog_pb2.PRODUCT_STATUS_DRAFT
        ),
        catalog_pb2.Product(id="prod_3", status=catalog_pb2.PRODUCT_STATUS_ARCHIVED),
    ],
)
def test_a_product_document_of_today_reads_and_writes_back_identically(message):
    stored = to_document(message)
    assert product_document(product_of(stored)) == stored


def test_a_product_document_reads_into_typed_values():
    product = product_of(to_document(full_product()))
    assert (product.id, product.version, product.status) == ("prod_1", 7, ProductStatus.ACTIVE)
    assert product.texts["en"].short_description == "Dry feet"
    assert product.texts["de"].name == ""
    assert [item.kind for item in product.media] == [MediaKind.IMAGE, MediaKind.DOCUMENT]
    assert product.variants[0].media[0].kind is None
    assert (product.variants[0].weight_grams, product.variants[1].height_mm) == (900, 0)
    assert (product.created_at, product.updated_at) == (T0, T1)
    stored = product_document(product)
    assert stored["status"] == "PRODUCT_STATUS_ACTIVE"
    assert stored["version"] == 7 and stored["variants"][0]["weight_grams"] == 900
    assert stored["created_at"] == T0
    assert "barcode" not in stored["variants"][1]


@pytest.mark.parametrize(
    "message",
    [
        catalog_pb2.Category(
            id="cat_b",
            parent_id="cat_a",
            name="Boots",
            slug="boots",
            ancestor_ids=["cat_a"],
            path="/shoes/boots",
            position=3,
            version=2,
            created_at=to_timestamp(T0),
            updated_at=to_timestamp(T1),
        ),
        catalog_pb2.Category(id="cat_a", name="Shoes", slug="shoes", path="/shoes", version=1),
    ],
)
def test_a_category_document_of_today_reads_and_writes_back_identically(message):
    stored = to_document(message)
    category = category_of(stored)
    assert category_document(category) == stored
    assert category.ancestor_ids == tuple(message.ancestor_ids)


def listing_stored_today(message: catalog_pb2.ChannelListing, key: str) -> dict:
    """What the store held for a listing: the message's document, its id and channel key."""
    return {**to_document(message), "_id": f"{message.product_id}|{key}", "channel_key": key}


@pytest.mark.parametrize(
    ("message", "key"),
    [
        (
            catalog_pb2.ChannelListing(
                product_id="prod_1",
                channel=common_pb2.ChannelRef(
                    channel=common_pb2.SALES_CHANNEL_MARKETPLACE, partner_id="ptn_1"
                ),
                published=True,
                price=common_pb2.Money(amount_minor=2500, currency_code="PLN"),
                sale_price=common_pb2.Money(amount_minor=0, currency_code="PLN"),
                sale_starts_at=to_timestamp(T0),
                sale_ends_at=to_timestamp(T1),
                version=4,
                created_at=to_timestamp(T0),
                updated_at=to_timestamp(T1),
                published_at=to_timestamp(T0),
            ),
            "SALES_CHANNEL_MARKETPLACE:ptn_1",
        ),
        (
            catalog_pb2.ChannelListing(
                product_id="prod_2",
                channel=common_pb2.ChannelRef(channel=common_pb2.SALES_CHANNEL_WEB),
                price=common_pb2.Money(amount_minor=999, currency_code="EUR"),
                version=1,
            ),
            "SALES_CHANNEL_WEB",
        ),
    ],
)
def test_a_listing_document_of_today_reads_and_writes_back_identically(message, key):
    stored = listing_stored_today(message, key)
    listing = listing_of(stored)
    assert listing_document(listing) == stored
    assert listing.price is not None and listing.price.currency == stored["price"]["currency_code"]


def test_a_listing_document_reads_into_typed_values_and_ignores_derived_fields():
    message = catalog_pb2.ChannelListing(
        product_id="prod_1",
        channel=common_pb2.ChannelRef(channel=common_pb2.SALES_CHANNEL_POS),
        price=common_pb2.Money(amount_minor=1200, currency_code="EUR"),
        sale_price=common_pb2.Money(amount_minor=0, currency_code="EUR"),
        version=3,
    )
    stored = {**listing_stored_today(message, "SALES_CHANNEL_POS"), "feed_at": T1}
    stored[RETIRED] = ["RB-42"]
    listing = listing_of(stored)
    assert listing.channel.sales_channel is SalesChannel.POS
    assert (listing.price, listing.sale_price) == (Money(1200, "EUR"), Money(0, "EUR"))
    assert listing.sale_starts_at is None and listing.version == 3
    retired = retired_product(stored)
    assert (retired.id, retired.status) == ("prod_1", ProductStatus.ARCHIVED)
    assert [variant.sku for variant in retired.variants] == ["RB-42"]
