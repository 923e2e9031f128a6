"""The browse read model follows every change it is made of, in the same transaction; a rebuild
makes the same documents; sale windows open and close on time, with an event; imports are all
or nothing."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import grpc
import pytest
from catalog_builders import APP, WEB, eur, product
from google.protobuf.field_mask_pb2 import FieldMask

from omni.catalog.v1 import catalog_pb2
from omni_catalog.rebuild import rebuild
from omni_kit.errors import error_details
from omni_kit.ids import utcnow
from omni_kit.protos import to_timestamp


async def listed(catalog, **fields) -> list[str]:
    reply = await catalog.stub.ListProducts(
        catalog_pb2.ListProductsRequest(
            page_size=100, sort=catalog_pb2.PRODUCT_SORT_NAME_ASC, **fields
        )
    )
    return [p.slug for p in reply.products]


async def category(catalog, slug: str, parent: str = "") -> catalog_pb2.Category:
    reply = await catalog.stub.CreateCategory(
        catalog_pb2.CreateCategoryRequest(
            category=catalog_pb2.Category(name=slug, slug=slug, parent_id=parent)
        )
    )
    return reply.category


async def browse_documents(catalog) -> dict[str, dict]:
    return {doc["_id"]: doc async for doc in catalog.db["browse"].find({})}


async def test_product_listing_and_category_changes_show_in_browse_at_once(catalog):
    shoes = await category(catalog, "shoes")
    sale = await category(catalog, "sale")
    boots = await category(catalog, "boots", shoes.id)
    boot = await catalog.create(
        product(slug="boot", skus=("B-1",), name="Boot", category_ids=[boots.id])
    )
    assert await listed(catalog, channel=WEB) == []
    await catalog.list_on(boot.id, 5000, WEB)
    assert await listed(catalog, channel=WEB) == ["boot"]
    assert await listed(catalog, channel=APP) == []
    assert await listed(catalog, category_id=shoes.id, include_subcategories=True) == ["boot"]

    # A product change: its new name is searchable and sorts anew, the old one is gone.
    await catalog.stub.UpdateProduct(
        catalog_pb2.UpdateProductRequest(
            product=catalog_pb2.Product(
                id=boot.id, texts={"en": catalog_pb2.LocalizedText(name="Wellington")}
            ),
            update_mask=FieldMask(paths=["texts"]),
            expected_version=1,
        )
    )
    assert [
        p.slug
        for p in (
            await catalog.stub.ListProducts(
                catalog_pb2.ListProductsRequest(query="wellington", channel=WEB)
            )
        ).products
    ] == ["boot"]
    assert (
        await catalog.stub.ListProducts(catalog_pb2.ListProductsRequest(query="boot"))
    ).products == []

    # A listing change: the price filter sees the new price.
    cheap = {"min_price": eur(0), "max_price": eur(3000), "channel": WEB}
    assert await listed(catalog, **cheap) == []
    await catalog.stub.UpdateChannelListing(
        catalog_pb2.UpdateChannelListingRequest(
            listing=catalog_pb2.ChannelListing(product_id=boot.id, channel=WEB, price=eur(2500)),
            update_mask=FieldMask(paths=["price"]),
            expected_version=1,
        )
    )
    assert await listed(catalog, **cheap) == ["boot"]

    # A category move: the product is found under the new parent, not the old one.
    await catalog.stub.UpdateCategory(
        catalog_pb2.UpdateCategoryRequest(
            category=catalog_pb2.Category(id=boots.id, parent_id=sale.id),
            update_mask=FieldMask(paths=["parent_id"]),
            expected_version=boots.version,
        )
    )
    assert await listed(catalog, category_id=sale.id, include_subcategories=True) == ["boot"]
    assert await listed(catalog, category_id=shoes.id, include_subcategories=True) == []

    # Unpublished, archived, deleted: gone from the shop each time.
    await catalog.stub.UnpublishProduct(catalog_pb2.UnpublishProductRequest(product_id=boot.id))
    assert await listed(catalog, channel=WEB) == []
    assert await listed(catalog, channel=WEB, include_unpublished=True) == ["boot"]
    await catalog.stub.DeleteProduct(catalog_pb2.DeleteProductRequest(product_id=boot.id))
    assert await listed(catalog, channel=WEB, include_unpublished=True) == []
    assert await browse_documents(catalog) == {}


async def test_a_rebuild_makes_the_same_documents_and_removes_strays(catalog):
    shoes = await category(catalog, "shoes")
    for number in range(12):
        item = await catalog.create(
            product(
                slug=f"p-{number}",
                skus=(f"P-{number}",),
                name=f"Żółty but {number}",
                category_ids=[shoes.id],
                attributes={"colour": ("red", "blue")[number % 2]},
            )
        )
        await catalog.list_on(item.id, 1000 + number, WEB, published=number % 3 > 0)
        if number % 4 == 0:
            await catalog.list_on(item.id, 900, APP)
    before = await browse_documents(catalog)
    words_before = {doc["_id"]: doc["n"] async for doc in catalog.db["vocabulary"].find({})}
    await catalog.db["browse"].insert_one({"_id": "prod_gone@*", "product_id": "prod_gone"})
    await catalog.db["browse"].delete_one({"_id": next(iter(before))})
    report = await rebuild(catalog.db, batch=5)
    after = await browse_documents(catalog)
    assert (report.products, report.removed) == (12, 1)
    assert after.keys() == before.keys()
    for key, document in before.items():
        assert after[key] == document, key
    words_after = {doc["_id"]: doc["n"] async for doc in catalog.db["vocabulary"].find({})}
    assert words_after["zolty"] == 12
    assert {w: n for w, n in words_before.items() if n} == {
        w: n for w, n in words_after.items() if n
    }


async def test_a_sale_window_flips_the_price_on_time_and_tells_caches_and_feeds(catalog):
    item = await catalog.create(product(slug="kettle", skus=("K-1",), name="Kettle"))
    now = utcnow()
    # A full batch of due documents whose products are gone (left behind by an inconsistency)
    # must not hold up the flips behind them.
    orphans = [
        {
            "_id": f"prod_gone{n}@web",
            "product_id": f"prod_gone{n}",
            "scope": "web",
            "price": 100,
            "currency": "EUR",
            "flip_at": now - timedelta(minutes=5),
        }
        for n in range(100)
    ]
    await catalog.db["browse"].insert_many(orphans)
    await catalog.list_on(
        item.id,
        5000,
        WEB,
        sale_price=eur(3000),
        sale_starts_at=to_timestamp(now + timedelta(seconds=1.5)),
        sale_ends_at=to_timestamp(now + timedelta(seconds=3)),
    )
    cheap = catalog_pb2.ListProductsRequest(channel=WEB, max_price=eur(3500))
    assert (await catalog.stub.ListProducts(cheap)).products == []

    async def until(expected: list[str], timeout: float = 10.0) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        while [p.slug for p in (await catalog.stub.ListProducts(cheap)).products] != expected:
            assert asyncio.get_running_loop().time() < deadline, f"still not {expected}"
            await asyncio.sleep(0.1)

    await until(["kettle"])
    reply = await catalog.stub.ListProducts(cheap)
    assert reply.listings[item.id].effective_price == eur(3000)
    await until([])
    flips = [s for s in await catalog.subjects() if s == "omni.catalog.price.effective_changed"]
    assert len(flips) == 2
    feed = await catalog.stub.ListProductFeed(
        catalog_pb2.ListProductFeedRequest(
            channel=WEB, updated_since=to_timestamp(now + timedelta(seconds=2))
        )
    )
    assert [entry.listing.effective_price for entry in feed.items] == [eur(5000)]
    assert await catalog.db["browse"].count_documents({"_id": {"$regex": "^prod_gone"}}) == 100
    assert await catalog.db["browse"].count_documents({"flip_at": {"$exists": True}}) == 0


async def test_an_import_is_all_or_nothing_and_lists_at_once(catalog):
    def item(slug, sku, published=True):
        return catalog_pb2.ImportItem(
            product=product(slug=slug, skus=(sku,), name=slug.title()),
            listings=[catalog_pb2.ChannelListing(channel=WEB, published=published, price=eur(100))],
        )

    reply = await catalog.stub.ImportProducts(
        catalog_pb2.ImportProductsRequest(items=[item("mug", "M-1"), item("cup", "C-1", False)])
    )
    assert [p.slug for p in reply.products] == ["mug", "cup"]
    assert await listed(catalog, channel=WEB) == ["mug"]
    # The imported prices start their history (a later change has them to compare with).
    for sku in ("", "M-1"):
        history = await catalog.stub.GetPriceHistory(
            catalog_pb2.GetPriceHistoryRequest(
                product_id=reply.products[0].id, channel=WEB, sku=sku, currency_code="EUR"
            )
        )
        assert [entry.price for entry in history.entries] == [eur(100)]
    # One event announces the whole import.
    assert await catalog.subjects() == ["omni.catalog.products.imported"]
    refusals = [
        ([item("bowl", "M-1")], "SKU_TAKEN", None),
        ([item("bowl", "B-1"), item("bowl", "B-2")], "DUPLICATE_SLUG", "items[1].product.slug"),
        ([item("bowl", "B-1"), item("plate", "B-1")], "DUPLICATE_SKU", "items[1].product.variants"),
        ([item("mug", "B-3")], "SLUG_TAKEN", None),
        ([], None, "items"),
    ]
    for items, reason, field in refusals:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await catalog.stub.ImportProducts(catalog_pb2.ImportProductsRequest(items=items))
        details = error_details(refused.value)
        assert reason is None or details.reason == reason
        assert field is None or details.field == field
    draft = item("saucer", "S-1")
    draft.product.status = catalog_pb2.PRODUCT_STATUS_DRAFT
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await catalog.stub.ImportProducts(catalog_pb2.ImportProductsRequest(items=[draft]))
    assert error_details(refused.value).field == "items[0].listings[0].published"
    assert await listed(catalog) == ["cup", "mug"]
