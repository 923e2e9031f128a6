"""The API edge: catalog messages to domain types and back, losing nothing; a listing's price in
force is shown for the moment of the response; enum values this code does not know are refused
naming the field."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from catalog_samples import T0, T1, full_product

from omni.catalog.v1 import catalog_pb2
from omni.common.v1 import common_pb2
from omni_catalog.api import messages
from omni_catalog.domain.browse import ProductSort
from omni_catalog.domain.channels import Channel, SalesChannel
from omni_catalog.domain.products import ProductStatus
from omni_kit.errors import InvalidArgument
from omni_kit.protos import to_timestamp


def test_a_product_message_maps_to_the_domain_and_back_unchanged():
    message = full_product()
    product = messages.product_from(message)
    assert product.status is ProductStatus.ACTIVE and product.created_at == T0
    assert messages.product_message(product) == message


def test_a_listing_shows_the_price_in_force_when_asked_and_drops_the_store_id():
    message = catalog_pb2.ChannelListing(
        product_id="prod_1",
        channel=common_pb2.ChannelRef(channel=common_pb2.SALES_CHANNEL_POS, store_id="loc_1"),
        published=True,
        price=common_pb2.Money(amount_minor=1000, currency_code="EUR"),
        sale_price=common_pb2.Money(amount_minor=700, currency_code="EUR"),
        sale_starts_at=to_timestamp(T0),
        sale_ends_at=to_timestamp(T1),
        effective_price=common_pb2.Money(amount_minor=1, currency_code="EUR"),
        version=2,
    )
    listing = messages.listing_from(message)
    assert listing.channel == Channel(SalesChannel.POS)
    stored = messages.listing_message(listing)
    assert not stored.HasField("effective_price") and not stored.channel.store_id
    during = messages.listing_message(listing, datetime(2026, 3, 5, tzinfo=UTC))
    after = messages.listing_message(listing, T1)
    assert (during.effective_price.amount_minor, after.effective_price.amount_minor) == (700, 1000)
    message.ClearField("effective_price")
    message.channel.ClearField("store_id")
    assert stored == message


@pytest.mark.parametrize(
    ("request_message", "field"),
    [
        (catalog_pb2.ListProductsRequest(sort=99), "sort"),
        (catalog_pb2.ListProductsRequest(statuses=[0]), "statuses[0]"),
        (catalog_pb2.ListProductsRequest(statuses=[1, 42]), "statuses[1]"),
        (
            catalog_pb2.ListProductsRequest(channel=common_pb2.ChannelRef(channel=77)),
            "channel.channel",
        ),
    ],
)
def test_unknown_enum_values_in_a_request_are_refused_naming_the_field(request_message, field):
    with pytest.raises(InvalidArgument) as refused:
        messages.wanted_from(request_message)
    assert refused.value.field == field


def test_a_list_request_maps_to_what_the_domain_checks():
    wanted = messages.wanted_from(
        catalog_pb2.ListProductsRequest(
            channel=common_pb2.ChannelRef(channel=common_pb2.SALES_CHANNEL_WEB),
            sort=catalog_pb2.PRODUCT_SORT_PRICE_DESC,
            statuses=[catalog_pb2.PRODUCT_STATUS_DRAFT],
            attribute_filters=[catalog_pb2.AttributeFilter(key="size", values=["42", "43"])],
            min_price=common_pb2.Money(amount_minor=100, currency_code="EUR"),
        )
    )
    assert wanted.channel == Channel(SalesChannel.WEB)
    assert (wanted.sort, list(wanted.statuses)) == (ProductSort.PRICE_DESC, [ProductStatus.DRAFT])
    assert list(wanted.attribute_filters) == [("size", ["42", "43"])]
    assert wanted.min_price is not None and wanted.min_price.amount_minor == 100
    assert wanted.max_price is None


def test_a_product_with_an_unknown_media_kind_is_refused_naming_it():
    message = full_product()
    message.variants[0].media[0].kind = 9
    with pytest.raises(InvalidArgument) as refused:
        messages.product_from(message)
    assert refused.value.field == "product.variants[0].media[0].kind"
