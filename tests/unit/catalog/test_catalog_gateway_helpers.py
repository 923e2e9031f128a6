"""The gateway's catalog helpers without a server: HTTP field names, PATCH masks, browse
queries, views and feed rows."""

from __future__ import annotations

import csv
import io
from types import SimpleNamespace

import grpc
import msgspec
import pytest
from grpc.aio import Metadata
from litestar.exceptions import ClientException

from omni.catalog.v1 import catalog_pb2
from omni.common.v1 import common_pb2
from omni_gateway import catalog_calls as common
from omni_gateway.partner import catalog as feed
from omni_gateway.views.product import browse_item, feed_rows
from omni_gateway.views.product_requests import (
    ListingChanges,
    ProductChanges,
    listing_message,
    product_message,
)
from omni_gateway.views.stock import AvailabilityStatus, AvailabilitySummary


def test_catalog_fields_are_named_as_the_http_caller_sent_them():
    paths = ["brand", "created_at"]
    assert common._http_field("update_mask.paths[1]", paths) == "created_at"
    assert common._http_field("expected_version", paths) == "If-Match"
    assert common._http_field("product.variants.sku", paths) == "variants.sku"
    assert common._http_field("listing.price.currency_code", paths) == "price.currency"
    assert common._http_field("product.id", paths) == "product_id"
    assert common._http_field("page_token", paths) == "page_token"


def test_a_patch_body_names_its_mask_without_the_version():
    body = msgspec.json.decode(
        b'{"default_language": "de", "brand": "x", "status": "active", "version": 3}',
        type=ProductChanges,
    )
    product, mask = product_message(body)
    assert mask == ["status", "default_language", "brand"]
    assert (product.brand, product.status) == ("x", catalog_pb2.PRODUCT_STATUS_ACTIVE)
    with pytest.raises(msgspec.ValidationError, match="colour"):
        msgspec.json.decode(b'{"colour": "blue"}', type=ProductChanges)
    # null takes a sale price off: the mask names it, the listing leaves it unset.
    sale = msgspec.json.decode(b'{"sale_price": null}', type=ListingChanges)
    listing, mask = listing_message(sale)
    assert (mask, listing.HasField("sale_price")) == (["sale_price"], False)
    price = msgspec.json.decode(
        b'{"price": {"amount_minor": 5, "currency": "EUR"}}', type=ListingChanges
    )
    listing, mask = listing_message(price)
    assert (mask, listing.price.currency_code) == (["price"], "EUR")


def test_browse_queries_need_well_formed_attributes_and_a_currency_for_prices():
    web = common_pb2.ChannelRef(channel=common_pb2.SALES_CHANNEL_WEB)
    defaults = dict(
        q=None,
        category=None,
        subcategories=True,
        sort="price_asc",
        page_size=10,
        page_token=None,
    )
    request = common.browse_request(web, **{**defaults, "attr": ["colour:blue", "size:M:L"]})
    assert [(f.key, list(f.values)) for f in request.attribute_filters] == [
        ("colour", ["blue"]),
        ("size", ["M:L"]),
    ]
    assert request.sort == catalog_pb2.PRODUCT_SORT_PRICE_ASC
    with pytest.raises(ClientException) as refused:
        common.browse_request(web, **{**defaults, "attr": ["colour"]})
    assert refused.value.extra["errors"][0]["field"] == "attr[0]"
    with pytest.raises(ClientException) as refused:
        common.browse_request(web, **{**defaults, "attr": None, "min_price": 5})
    assert refused.value.extra["errors"][0]["field"] == "currency"


def test_a_feed_item_becomes_one_row_per_sku_and_survives_csv_quoting():
    product = catalog_pb2.Product(
        id="prod_1",
        slug="shirt",
        default_language="en",
        texts={"en": catalog_pb2.LocalizedText(name='Shirt, "Oxford"')},
        media=[catalog_pb2.Media(url="https://cdn.example/p.jpg")],
        variants=[catalog_pb2.Variant(sku="S-1"), catalog_pb2.Variant(sku="S-2", barcode="4006")],
    )
    product.updated_at.FromJsonString("2026-01-02T00:00:00Z")
    money = common_pb2.Money(amount_minor=1999, currency_code="EUR")
    listing = catalog_pb2.ChannelListing(
        published=True, price=money, effective_price=money, version=4
    )
    listing.updated_at.FromJsonString("2026-01-01T00:00:00.500Z")
    rows = feed_rows(catalog_pb2.FeedItem(product=product, listing=listing))
    assert [(r.sku, r.barcode, r.price_minor) for r in rows] == [
        ("S-1", "", 1999),
        ("S-2", "4006", 1999),
    ]
    assert msgspec.to_builtins(rows[0].updated_at) == "2026-01-02T00:00:00Z"
    assert rows[0].image_url == "https://cdn.example/p.jpg"
    assert rows[0].sale_price_minor is None
    text = (feed.csv_line(feed.FEED_COLUMNS) + feed.csv_row(rows[0])).decode()
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert parsed[0]["name"] == 'Shirt, "Oxford"'
    assert (parsed[0]["sale_price_minor"], parsed[0]["published"]) == ("", "true")
    assert parsed[0]["updated_at"] == "2026-01-02T00:00:00Z"


class _Downstream:
    """Stands in for the gateway's downstream: every inventory call fails with `code`."""

    def __init__(self, code: grpc.StatusCode) -> None:
        self.code = code
        self.inventory = SimpleNamespace(GetAvailableToPromise=object())

    async def call(self, method, request, *, idempotent):
        raise grpc.aio.AioRpcError(self.code, Metadata(), Metadata(), details="inventory says no")


@pytest.mark.parametrize(
    "code", [grpc.StatusCode.UNIMPLEMENTED, grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.INTERNAL]
)
async def test_browsing_goes_on_without_availability_when_inventory_cannot_answer(code):
    state = SimpleNamespace(downstream=_Downstream(code))
    web = common_pb2.ChannelRef(channel=common_pb2.SALES_CHANNEL_WEB)
    stock = await common.availability(state, ["S-1"], web)
    assert stock is None
    product = catalog_pb2.Product(id="prod_1", variants=[catalog_pb2.Variant(sku="S-1")])
    assert browse_item(product, None, stock).availability is None
    known = {"S-1": AvailabilitySummary(status=AvailabilityStatus.IN_STOCK, expected_at=None)}
    assert browse_item(product, None, known).availability == known
