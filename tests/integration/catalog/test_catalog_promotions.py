"""Catalog promotions through the real catalog service: CRUD with versions, bad terms refused
naming the field with nothing stored, and a promotion repricing browse, GetPrices, the product
feed and the price history on time, on its channels only, and back when it ends."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import grpc
import pytest
from catalog_builders import APP, WEB, eur, product

from omni.catalog.v1 import catalog_pb2
from omni.common.v1 import common_pb2
from omni_catalog.store.browse import BrowseStore
from omni_kit.errors import error_details
from omni_kit.ids import utcnow
from omni_kit.protos import to_timestamp


async def category(catalog, slug: str, parent: str = "") -> catalog_pb2.Category:
    reply = await catalog.stub.CreateCategory(
        catalog_pb2.CreateCategoryRequest(
            category=catalog_pb2.Category(name=slug, slug=slug, parent_id=parent)
        )
    )
    return reply.category


def terms(category_id: str, starts: float, ends: float, **fields) -> catalog_pb2.CatalogPromotion:
    now = utcnow()
    return catalog_pb2.CatalogPromotion(
        name=fields.pop("name", "Spring"),
        percentage_basis_points=fields.pop("percentage_basis_points", 2000),
        category_ids=fields.pop("category_ids", [category_id]),
        channels=fields.pop("channels", [WEB]),
        starts_at=to_timestamp(now + timedelta(seconds=starts)),
        ends_at=to_timestamp(now + timedelta(seconds=ends)),
        **fields,
    )


async def web_price(catalog, product_id: str, ref=WEB) -> int:
    reply = await catalog.stub.ListProducts(catalog_pb2.ListProductsRequest(channel=ref))
    return reply.listings[product_id].effective_price.amount_minor


async def until(read, expected, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while (got := await read()) != expected:
        assert asyncio.get_running_loop().time() < deadline, f"{got}, still not {expected}"
        await asyncio.sleep(0.1)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"percentage_basis_points": 0}, "promotion.percentage_basis_points"),
        ({"percentage_basis_points": 10001}, "promotion.percentage_basis_points"),
        ({"category_ids": ["cat_nope"]}, "promotion.category_ids[0]"),
        (
            {"channels": [common_pb2.ChannelRef(channel=99)]},
            "promotion.channels[0].channel",
        ),
        ({"channels": [common_pb2.ChannelRef()]}, "promotion.channels[0].channel"),
    ],
)
async def test_bad_terms_are_refused_naming_the_field_and_nothing_is_stored(catalog, change, field):
    shoes = await category(catalog, "shoes")
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await catalog.stub.CreateCatalogPromotion(
            catalog_pb2.CreateCatalogPromotionRequest(promotion=terms(shoes.id, 1, 60, **change))
        )
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_details(raised.value).field == field
    assert await catalog.db["catalog_promotions"].count_documents({}) == 0


async def test_an_end_before_the_start_is_refused(catalog):
    shoes = await category(catalog, "shoes")
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await catalog.stub.CreateCatalogPromotion(
            catalog_pb2.CreateCatalogPromotionRequest(promotion=terms(shoes.id, 60, 30))
        )
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_details(raised.value).field == "promotion.ends_at"


async def test_promotions_are_read_listed_changed_with_their_version_and_deactivated(catalog):
    shoes = await category(catalog, "shoes")
    first = await catalog.stub.CreateCatalogPromotion(
        catalog_pb2.CreateCatalogPromotionRequest(promotion=terms(shoes.id, 60, 120))
    )
    second = await catalog.stub.CreateCatalogPromotion(
        catalog_pb2.CreateCatalogPromotionRequest(promotion=terms(shoes.id, 60, 120, name="B"))
    )
    got = await catalog.stub.GetCatalogPromotion(
        catalog_pb2.GetCatalogPromotionRequest(id=first.promotion.id)
    )
    assert got.promotion == first.promotion
    assert (got.promotion.version, got.promotion.active) == (1, True)
    page = await catalog.stub.ListCatalogPromotions(
        catalog_pb2.ListCatalogPromotionsRequest(page_size=1)
    )
    rest = await catalog.stub.ListCatalogPromotions(
        catalog_pb2.ListCatalogPromotionsRequest(page_size=1, page_token=page.next_page_token)
    )
    assert [p.id for p in [*page.promotions, *rest.promotions]] == [
        second.promotion.id,
        first.promotion.id,
    ]
    changed = terms(shoes.id, 60, 120, percentage_basis_points=1500, id=first.promotion.id)
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await catalog.stub.UpdateCatalogPromotion(
            catalog_pb2.UpdateCatalogPromotionRequest(promotion=changed, expected_version=7)
        )
    assert raised.value.code() == grpc.StatusCode.ABORTED
    updated = await catalog.stub.UpdateCatalogPromotion(
        catalog_pb2.UpdateCatalogPromotionRequest(promotion=changed, expected_version=1)
    )
    assert (updated.promotion.version, updated.promotion.percentage_basis_points) == (2, 1500)
    gone = await catalog.stub.DeactivateCatalogPromotion(
        catalog_pb2.DeactivateCatalogPromotionRequest(id=first.promotion.id, expected_version=2)
    )
    assert (gone.promotion.version, gone.promotion.active) == (3, False)
    active = await catalog.stub.ListCatalogPromotions(
        catalog_pb2.ListCatalogPromotionsRequest(active_only=True)
    )
    assert [p.id for p in active.promotions] == [second.promotion.id]


async def test_a_promotion_reprices_its_channels_on_time_and_flips_back_when_it_ends(catalog):
    shoes = await category(catalog, "shoes")
    boots = await category(catalog, "boots", shoes.id)
    boot = await catalog.create(
        product(slug="boot", skus=("B-1",), name="Boot", category_ids=[boots.id])
    )
    mug = await catalog.create(product(slug="mug", skus=("M-1",), name="Mug"))
    for ref in (WEB, APP):
        await catalog.list_on(boot.id, 4995, ref)
    await catalog.list_on(mug.id, 1000, WEB)
    # 20 % off shoes (and so boots) on the web, from in two seconds for three.
    await catalog.stub.CreateCatalogPromotion(
        catalog_pb2.CreateCatalogPromotionRequest(promotion=terms(shoes.id, 2, 5))
    )
    assert await web_price(catalog, boot.id) == 4995
    await until(lambda: web_price(catalog, boot.id), 3996)  # 999 off (999.0)
    assert await web_price(catalog, boot.id, APP) == 4995
    assert await web_price(catalog, mug.id) == 1000
    detail = await catalog.stub.GetProduct(
        catalog_pb2.GetProductRequest(product_id=boot.id, channel=WEB)
    )
    [shown] = detail.listing.effective_prices
    assert (shown.price, shown.compare_at_price, shown.on_sale) == (eur(3996), eur(4995), True)
    prices = await catalog.stub.GetPrices(catalog_pb2.GetPricesRequest(channel=WEB, skus=["B-1"]))
    assert prices.prices[0].effective_price == eur(3996)
    feed = await catalog.stub.ListProductFeed(catalog_pb2.ListProductFeedRequest(channel=WEB))
    assert {i.listing.product_id: i.listing.effective_price for i in feed.items}[boot.id] == eur(
        3996
    )
    staff = await catalog.stub.ListChannelListings(
        catalog_pb2.ListChannelListingsRequest(product_id=boot.id)
    )
    assert sorted(li.effective_price.amount_minor for li in staff.listings) == [3996, 4995]
    history = catalog_pb2.GetPriceHistoryRequest(
        product_id=boot.id, channel=WEB, currency_code="EUR"
    )

    async def recorded() -> list[int]:
        reply = await catalog.stub.GetPriceHistory(history)
        return [entry.price.amount_minor for entry in reply.entries]

    # The flip on time records the promoted price (pages show it from the moment it starts).
    await until(recorded, [3996, 4995])
    lowest = await catalog.stub.GetPriceHistory(history)
    assert lowest.lowest_price_30d == eur(4995)
    cheap = catalog_pb2.ListProductsRequest(
        channel=WEB, max_price=eur(4000), sort=catalog_pb2.PRODUCT_SORT_NAME_ASC
    )
    assert [p.slug for p in (await catalog.stub.ListProducts(cheap)).products] == ["boot", "mug"]
    await until(lambda: web_price(catalog, boot.id), 4995)

    async def flips() -> int:
        subjects = await catalog.subjects()
        return subjects.count("omni.catalog.price.effective_changed")

    # Pages show the price of the moment they are read; the flips follow within a poll.
    await until(flips, 2)
    await asyncio.sleep(0.5)
    assert await flips() == 2


async def test_a_changed_promotion_reprices_at_once_and_a_deactivated_one_stops(catalog):
    shoes = await category(catalog, "shoes")
    boot = await catalog.create(
        product(slug="boot", skus=("B-1",), name="Boot", category_ids=[shoes.id])
    )
    await catalog.list_on(boot.id, 1000, WEB)
    created = await catalog.stub.CreateCatalogPromotion(
        catalog_pb2.CreateCatalogPromotionRequest(promotion=terms(shoes.id, -5, 600))
    )
    await until(lambda: web_price(catalog, boot.id), 800)
    changed = terms(shoes.id, -5, 600, percentage_basis_points=5000, id=created.promotion.id)
    await catalog.stub.UpdateCatalogPromotion(
        catalog_pb2.UpdateCatalogPromotionRequest(promotion=changed, expected_version=1)
    )
    await until(lambda: web_price(catalog, boot.id), 500)
    await catalog.stub.DeactivateCatalogPromotion(
        catalog_pb2.DeactivateCatalogPromotionRequest(id=created.promotion.id)
    )
    await until(lambda: web_price(catalog, boot.id), 1000)
    assert (
        await catalog.db["catalog_promotions"].count_documents({"sweep_at": {"$exists": True}}) == 0
    )


async def test_products_imported_into_a_promoted_category_are_priced_with_the_promotion(catalog):
    shoes = await category(catalog, "shoes")
    boots = await category(catalog, "boots", shoes.id)
    await catalog.stub.CreateCatalogPromotion(
        catalog_pb2.CreateCatalogPromotionRequest(promotion=terms(shoes.id, -5, 600))
    )
    item = catalog_pb2.ImportItem(
        product=product(slug="boot", skus=("B-1",), name="Boot", category_ids=[boots.id]),
        listings=[catalog_pb2.ChannelListing(channel=WEB, published=True, price=eur(1000))],
    )
    reply = await catalog.stub.ImportProducts(catalog_pb2.ImportProductsRequest(items=[item]))
    boot = reply.products[0].id
    cheap = catalog_pb2.ListProductsRequest(channel=WEB, max_price=eur(900))
    # The price filter reads the document's price: written promoted at once, not at a flip.
    assert [p.slug for p in (await catalog.stub.ListProducts(cheap)).products] == ["boot"]
    history = await catalog.stub.GetPriceHistory(
        catalog_pb2.GetPriceHistoryRequest(product_id=boot, channel=WEB, currency_code="EUR")
    )
    assert [e.price.amount_minor for e in history.entries] == [800]


async def test_a_promotion_over_a_large_category_is_made_due_in_bounded_batches(catalog):
    documents = [
        {"_id": f"p{n:04d}@{scope}", "scope": scope, "cats": [cat, "cat_root"]}
        for n in range(250)
        for scope, cat in (("SALES_CHANNEL_WEB", "cat_big"), ("SALES_CHANNEL_APP", "cat_big"))
    ] + [{"_id": "other@SALES_CHANNEL_WEB", "scope": "SALES_CHANNEL_WEB", "cats": ["cat_other"]}]
    await catalog.db["browse"].insert_many(documents)
    batches: list[int] = []

    class Recorded(BrowseStore):
        async def _due_now(self, ids: list[str], at) -> int:
            batches.append(len(ids))
            return await super()._due_now(ids, at)

    at = utcnow() + timedelta(days=1)  # not due before the test ends
    marked = await Recorded(catalog.db).make_due(["SALES_CHANNEL_WEB"], ["cat_root"], at, 100)
    assert (marked, [b for b in batches if b]) == (250, [100, 100, 50])
    due = catalog.db["browse"].find({"flip_at": at}, {"_id": 1})
    assert sorted([d["_id"] async for d in due]) == [
        f"p{n:04d}@SALES_CHANNEL_WEB" for n in range(250)
    ]


async def test_a_promotion_starting_at_once_tells_caches_when_only_a_variant_price_moves(catalog):
    shoes = await category(catalog, "shoes")
    boot = await catalog.create(
        product(slug="boot", skus=("B-1", "B-2"), name="Boot", category_ids=[shoes.id])
    )
    # The product's own sale (500) beats 20 % off 1000; B-2's own price (2000) has no sale.
    await catalog.list_on(
        boot.id,
        1000,
        WEB,
        sale_price=eur(500),
        prices=[catalog_pb2.ListingPrice(sku="B-2", price=eur(2000))],
    )
    await catalog.stub.CreateCatalogPromotion(
        catalog_pb2.CreateCatalogPromotionRequest(promotion=terms(shoes.id, -5, 600))
    )

    async def flips() -> int:
        return (await catalog.subjects()).count("omni.catalog.price.effective_changed")

    await until(flips, 1)
    reply = await catalog.stub.GetPrices(
        catalog_pb2.GetPricesRequest(channel=WEB, skus=["B-1", "B-2"], currency_code="EUR")
    )
    assert [p.effective_price.amount_minor for p in reply.prices] == [500, 1600]
