"""Channel listings over real gRPC: publishing, prices in force, sale windows, price events,
bad prices refused without a trace, and the marketplace feed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import grpc
import pytest
from catalog_builders import APP, WEB, eur, product
from google.protobuf.field_mask_pb2 import FieldMask

from omni.catalog.v1 import catalog_pb2, events_pb2
from omni.common.v1 import common_pb2
from omni_kit.errors import error_details
from omni_kit.ids import utcnow
from omni_kit.protos import to_timestamp

NOW = datetime.now(UTC)


def marketplace(partner_id: str) -> common_pb2.ChannelRef:
    return common_pb2.ChannelRef(
        channel=common_pb2.SALES_CHANNEL_MARKETPLACE, partner_id=partner_id
    )


async def refused(call, request):
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call(request)
    return error_details(caught.value)


async def test_prices_follow_the_channel_and_the_sale_window(catalog):
    shirt = await catalog.create(product(skus=("LS-S", "LS-M")))
    await catalog.list_on(
        shirt.id,
        2000,
        sale_price=eur(1500),
        sale_starts_at=to_timestamp(NOW - timedelta(days=1)),
        sale_ends_at=to_timestamp(NOW + timedelta(days=1)),
    )
    await catalog.list_on(shirt.id, 2200, APP, published=False)

    web = await catalog.stub.GetPrices(
        catalog_pb2.GetPricesRequest(channel=WEB, skus=["LS-M", "NOPE"])
    )
    (price,) = web.prices
    assert (price.sku, price.effective_price, price.list_price) == ("LS-M", eur(1500), eur(2000))
    assert price.on_sale and price.published
    assert price.product_name == "Linen shirt"
    assert list(web.unknown_skus) == ["NOPE"]

    later = await catalog.stub.GetPrices(
        catalog_pb2.GetPricesRequest(
            channel=WEB, skus=["LS-S"], at=to_timestamp(NOW + timedelta(days=2))
        )
    )
    assert later.prices[0].effective_price == eur(2000)
    assert not later.prices[0].on_sale

    app = await catalog.stub.GetPrices(catalog_pb2.GetPricesRequest(channel=APP, skus=["LS-S"]))
    assert app.prices[0].effective_price == eur(2200)
    assert not app.prices[0].published


async def test_a_price_change_is_versioned_and_announced_with_the_previous_price(catalog):
    shirt = await catalog.create(product())
    listing = await catalog.list_on(shirt.id, 2000)
    assert listing.version == 1
    changed = await catalog.stub.UpdateChannelListing(
        catalog_pb2.UpdateChannelListingRequest(
            listing=catalog_pb2.ChannelListing(product_id=shirt.id, channel=WEB, price=eur(1800)),
            update_mask=FieldMask(paths=["price"]),
            expected_version=1,
        )
    )
    assert (changed.listing.version, changed.listing.effective_price) == (2, eur(1800))
    assert changed.listing.published

    stale = await refused(
        catalog.stub.UpdateChannelListing,
        catalog_pb2.UpdateChannelListingRequest(
            listing=catalog_pb2.ChannelListing(product_id=shirt.id, channel=WEB, price=eur(1)),
            update_mask=FieldMask(paths=["price"]),
            expected_version=1,
        ),
    )
    assert (stale.code, stale.metadata["current_version"]) == (grpc.StatusCode.ABORTED, "2")

    outbox = [doc async for doc in catalog.db["outbox"].find().sort("seq", 1)]
    assert [doc["subject"] for doc in outbox] == [
        "omni.catalog.product.created",
        "omni.catalog.product.published",
        "omni.catalog.price.changed",
    ]
    event = events_pb2.PriceChanged.FromString(outbox[-1]["payload"])
    assert (event.previous_price, event.listing.price) == (eur(2000), eur(1800))
    assert list(event.skus) == ["LS-M"]


async def test_bad_prices_are_refused_with_the_field_and_leave_no_trace(catalog):
    shirt = await catalog.create(product())
    draft = await catalog.create(
        product(slug="draft", skus=("D-1",), status=catalog_pb2.PRODUCT_STATUS_DRAFT)
    )

    def listing(**fields) -> catalog_pb2.UpsertChannelListingRequest:
        values = {"product_id": shirt.id, "channel": WEB, "published": True, "price": eur(100)}
        values.update(fields)
        return catalog_pb2.UpsertChannelListingRequest(listing=catalog_pb2.ChannelListing(**values))

    cases = [
        (listing(price=common_pb2.Money(amount_minor=100)), "listing.price.currency_code"),
        (listing(price=eur(-1)), "listing.price.amount_minor"),
        (listing(sale_price=eur(500)), "listing.sale_price.amount_minor"),
        (listing(channel=marketplace("")), "listing.channel.partner_id"),
        (listing(product_id="prod_nope"), "listing.product_id"),
        (listing(product_id=draft.id), "listing.published"),
    ]
    for request, field in cases:
        details = await refused(catalog.stub.UpsertChannelListing, request)
        assert details.field == field, details
    no_currency = await refused(catalog.stub.UpsertChannelListing, cases[0][0])
    assert (no_currency.code, no_currency.reason) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "CURRENCY_REQUIRED",
    )
    assert (await refused(catalog.stub.UpsertChannelListing, cases[4][0])).code == (
        grpc.StatusCode.NOT_FOUND
    )

    assert await catalog.db["listings"].count_documents({}) == 0
    assert await catalog.subjects() == ["omni.catalog.product.created"] * 2


async def test_unpublishing_takes_a_product_off_one_channel(catalog):
    shirt = await catalog.create(product())
    await catalog.list_on(shirt.id, 1000)
    await catalog.list_on(shirt.id, 1000, APP)
    reply = await catalog.stub.UnpublishProduct(
        catalog_pb2.UnpublishProductRequest(product_id=shirt.id, channel=APP, reason="recall")
    )
    assert [(item.channel.channel, item.published) for item in reply.listings] == [
        (common_pb2.SALES_CHANNEL_APP, False)
    ]
    on_web = await catalog.stub.GetProduct(
        catalog_pb2.GetProductRequest(product_id=shirt.id, channel=WEB)
    )
    assert on_web.listing.published
    hidden = await refused(
        catalog.stub.GetProduct, catalog_pb2.GetProductRequest(product_id=shirt.id, channel=APP)
    )
    assert hidden.code == grpc.StatusCode.NOT_FOUND
    staff_view = await catalog.stub.GetProduct(
        catalog_pb2.GetProductRequest(product_id=shirt.id, channel=APP, include_unpublished=True)
    )
    assert not staff_view.listing.published
    assert (await catalog.subjects())[-1] == "omni.catalog.product.unpublished"


async def test_the_feed_pages_a_partners_listings_changed_since_a_time(catalog):
    partner, other = marketplace("ptn_a"), marketplace("ptn_b")
    ids = []
    for index in range(5):
        item = await catalog.create(product(slug=f"p-{index}", skus=(f"P-{index}",)))
        await catalog.list_on(item.id, 1000 + index, partner)
        ids.append(item.id)
    elsewhere = await catalog.create(product(slug="elsewhere", skus=("E-1",)))
    await catalog.list_on(elsewhere.id, 999, other)

    seen, token = [], ""
    while True:
        page = await catalog.stub.ListProductFeed(
            catalog_pb2.ListProductFeedRequest(channel=partner, page_size=2, page_token=token)
        )
        seen += [(item.product.id, item.listing.price.amount_minor) for item in page.items]
        token = page.next_page_token
        if not token:
            break
    assert seen == [(pid, 1000 + index) for index, pid in enumerate(ids)]

    mark = utcnow()
    await catalog.stub.UpdateProduct(
        catalog_pb2.UpdateProductRequest(
            product=catalog_pb2.Product(id=ids[1], brand="Changed"),
            update_mask=FieldMask(paths=["brand"]),
            expected_version=1,
        )
    )
    since = await catalog.stub.ListProductFeed(
        catalog_pb2.ListProductFeedRequest(channel=partner, updated_since=to_timestamp(mark))
    )
    assert [(i.product.id, i.product.brand) for i in since.items] == [(ids[1], "Changed")]


async def test_a_price_change_reaches_nats_with_its_event_id(catalog, nc):
    shirt = await catalog.create(product(slug="nats-shirt", skus=("NS-1",)))
    await catalog.list_on(shirt.id, 2000)
    await catalog.stub.UpdateChannelListing(
        catalog_pb2.UpdateChannelListingRequest(
            listing=catalog_pb2.ChannelListing(product_id=shirt.id, channel=WEB, price=eur(2500)),
            update_mask=FieldMask(paths=["price"]),
            expected_version=1,
        )
    )
    sub = await nc.jetstream().subscribe("omni.catalog.price.changed", ordered_consumer=True)
    try:
        while True:  # the stream is shared with other tests: find this product's event
            msg = await sub.next_msg(timeout=10)
            event = events_pb2.PriceChanged.FromString(msg.data)
            if event.listing.product_id == shirt.id:
                break
    finally:
        await sub.unsubscribe()
    assert msg.headers["Nats-Msg-Id"] == event.meta.event_id
    assert (event.meta.source, event.meta.aggregate_version) == ("catalog", 2)
    assert (event.previous_price, event.listing.price) == (eur(2000), eur(2500))
    assert event.meta.channel.channel == common_pb2.SALES_CHANNEL_WEB
