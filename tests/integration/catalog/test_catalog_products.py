"""Products over real gRPC: content, variants, partial updates with versions, deletes, and the
events each change writes to the outbox."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from catalog_builders import WEB, product
from google.protobuf.field_mask_pb2 import FieldMask

from omni.catalog.v1 import catalog_pb2
from omni_kit.errors import error_details
from omni_kit.idempotency import call_metadata


async def refused(call, request):
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call(request)
    return error_details(caught.value)


async def category(catalog, slug: str, parent_id: str = "") -> catalog_pb2.Category:
    reply = await catalog.stub.CreateCategory(
        catalog_pb2.CreateCategoryRequest(
            category=catalog_pb2.Category(name=slug.title(), slug=slug, parent_id=parent_id)
        )
    )
    return reply.category


async def test_a_product_keeps_its_variants_texts_media_and_categories(catalog):
    shirts = await category(catalog, "shirts")
    item = product(
        skus=("LS-S", "LS-M"),
        brand="Nordic",
        category_ids=[shirts.id],
        attributes={"material": "linen"},
        media=[catalog_pb2.Media(url="https://cdn.example/ls.jpg", alt_text="A linen shirt")],
    )
    item.texts["de"].name = "Leinenhemd"
    item.variants[0].attributes["size"] = "S"
    created = await catalog.create(item)

    assert created.version == 1
    fetched = await catalog.stub.GetProduct(catalog_pb2.GetProductRequest(product_id=created.id))
    assert fetched.product == created
    assert fetched.product.texts["de"].name == "Leinenhemd"
    assert fetched.product.media[0].alt_text == "A linen shirt"
    assert fetched.product.variants[0].attributes["size"] == "S"

    by_sku = await catalog.stub.GetProductBySku(catalog_pb2.GetProductBySkuRequest(sku="LS-M"))
    assert by_sku.product.id == created.id
    batch = await catalog.stub.BatchGetProducts(
        catalog_pb2.BatchGetProductsRequest(product_ids=[created.id, "prod_nope"], skus=["NOPE"])
    )
    assert [p.id for p in batch.products] == [created.id]
    assert list(batch.not_found) == ["prod_nope", "NOPE"]
    assert await catalog.subjects() == ["omni.catalog.product.created"]


async def test_a_create_repeated_with_its_idempotency_key_makes_one_product(catalog):
    request = catalog_pb2.CreateProductRequest(product=product())
    first = await catalog.stub.CreateProduct(request, metadata=call_metadata("req-1", "test"))
    again = await catalog.stub.CreateProduct(request, metadata=call_metadata("req-1", "test"))
    assert again.product.id == first.product.id
    assert await catalog.subjects() == ["omni.catalog.product.created"]


async def test_a_partial_update_changes_only_the_masked_fields_and_refuses_a_stale_version(
    catalog,
):
    created = await catalog.create(product(brand="Nordic", attributes={"material": "linen"}))
    changes = catalog_pb2.Product(id=created.id, brand="Ignored", attributes={"fit": "slim"})
    updated = (
        await catalog.stub.UpdateProduct(
            catalog_pb2.UpdateProductRequest(
                product=changes, update_mask=FieldMask(paths=["attributes"]), expected_version=1
            )
        )
    ).product
    assert updated.version == 2
    assert dict(updated.attributes) == {"fit": "slim"}
    assert updated.brand == "Nordic"
    assert updated.texts == created.texts

    stale = await refused(
        catalog.stub.UpdateProduct,
        catalog_pb2.UpdateProductRequest(
            product=catalog_pb2.Product(id=created.id, brand="Late"),
            update_mask=FieldMask(paths=["brand"]),
            expected_version=1,
        ),
    )
    assert stale.code == grpc.StatusCode.ABORTED
    assert stale.metadata["current_version"] == "2"
    current = await catalog.stub.GetProduct(catalog_pb2.GetProductRequest(product_id=created.id))
    assert current.product == updated
    assert await catalog.subjects() == [
        "omni.catalog.product.created",
        "omni.catalog.product.updated",
    ]


async def test_bad_input_is_refused_precisely_and_writes_nothing(catalog):
    first = await catalog.create(product(skus=("A-1",)))
    cases = [
        (
            catalog.stub.CreateProduct,
            catalog_pb2.CreateProductRequest(
                product=product(slug="other", skus=("B-1",), category_ids=["cat_nope"])
            ),
            grpc.StatusCode.NOT_FOUND,
            "product.category_ids[0]",
        ),
        (
            catalog.stub.CreateProduct,
            catalog_pb2.CreateProductRequest(product=product(slug="other", skus=("B-1", "A-1"))),
            grpc.StatusCode.ALREADY_EXISTS,
            "product.variants.sku",
        ),
        (
            catalog.stub.UpdateProduct,
            catalog_pb2.UpdateProductRequest(
                product=catalog_pb2.Product(id=first.id),
                update_mask=FieldMask(paths=["texts", "colour"]),
                expected_version=1,
            ),
            grpc.StatusCode.INVALID_ARGUMENT,
            "update_mask.paths[1]",
        ),
        (
            catalog.stub.UpdateProduct,
            catalog_pb2.UpdateProductRequest(
                product=catalog_pb2.Product(id=first.id, version=9),
                update_mask=FieldMask(paths=["version"]),
                expected_version=1,
            ),
            grpc.StatusCode.INVALID_ARGUMENT,
            "update_mask.paths[0]",
        ),
        (
            catalog.stub.UpdateProduct,
            catalog_pb2.UpdateProductRequest(
                product=catalog_pb2.Product(id="prod_nope", brand="x"),
                update_mask=FieldMask(paths=["brand"]),
                expected_version=1,
            ),
            grpc.StatusCode.NOT_FOUND,
            "product.id",
        ),
        (
            catalog.stub.GetProduct,
            catalog_pb2.GetProductRequest(product_id="prod_nope"),
            grpc.StatusCode.NOT_FOUND,
            "product_id",
        ),
    ]
    for call, request, code, field in cases:
        details = await refused(call, request)
        assert (details.code, details.field) == (code, field), details
    taken = await refused(*cases[1][:2])
    assert taken.metadata["sku"] == "A-1"
    assert "A-1" in taken.message

    assert await catalog.db["products"].count_documents({}) == 1
    assert await catalog.subjects() == ["omni.catalog.product.created"]


async def test_another_product_cannot_take_a_sku_by_update(catalog):
    await catalog.create(product(slug="one", skus=("ONE",)))
    second = await catalog.create(product(slug="two", skus=("TWO",)))
    details = await refused(
        catalog.stub.UpdateProduct,
        catalog_pb2.UpdateProductRequest(
            product=catalog_pb2.Product(id=second.id, variants=[catalog_pb2.Variant(sku="ONE")]),
            update_mask=FieldMask(paths=["variants"]),
            expected_version=1,
        ),
    )
    assert (details.code, details.metadata["sku"]) == (grpc.StatusCode.ALREADY_EXISTS, "ONE")
    stored = await catalog.stub.GetProduct(catalog_pb2.GetProductRequest(product_id=second.id))
    assert stored.product.version == 1


async def test_deleting_a_product_takes_it_off_every_channel_and_frees_its_skus(catalog):
    created = await catalog.create(product(skus=("DEL-1",)))
    await catalog.list_on(created.id, 1999)
    stale = await refused(
        catalog.stub.DeleteProduct,
        catalog_pb2.DeleteProductRequest(product_id=created.id, expected_version=7),
    )
    assert stale.code == grpc.StatusCode.ABORTED

    await catalog.stub.DeleteProduct(
        catalog_pb2.DeleteProductRequest(product_id=created.id, expected_version=1)
    )
    gone = await refused(
        catalog.stub.GetProduct, catalog_pb2.GetProductRequest(product_id=created.id)
    )
    assert gone.code == grpc.StatusCode.NOT_FOUND
    listed = await catalog.stub.ListChannelListings(
        catalog_pb2.ListChannelListingsRequest(product_id=created.id)
    )
    assert list(listed.listings) == []
    feed = await catalog.stub.ListProductFeed(
        catalog_pb2.ListProductFeedRequest(channel=WEB, include_unpublished=True)
    )
    (gone_item,) = feed.items
    assert (gone_item.product.id, gone_item.listing.published) == (created.id, False)
    assert [v.sku for v in gone_item.product.variants] == ["DEL-1"]
    assert (await catalog.subjects())[-2:] == [
        "omni.catalog.product.unpublished",
        "omni.catalog.product.deleted",
    ]
    again = await catalog.create(product(slug="reborn", skus=("DEL-1",)))
    assert again.id != created.id


async def test_archiving_a_product_unpublishes_its_listings(catalog):
    created = await catalog.create(product())
    await catalog.list_on(created.id, 1000)
    await catalog.stub.UpdateProduct(
        catalog_pb2.UpdateProductRequest(
            product=catalog_pb2.Product(id=created.id, status=catalog_pb2.PRODUCT_STATUS_ARCHIVED),
            update_mask=FieldMask(paths=["status"]),
            expected_version=1,
        )
    )
    details = await refused(
        catalog.stub.GetProduct,
        catalog_pb2.GetProductRequest(product_id=created.id, channel=WEB),
    )
    assert (details.code, details.reason) == (grpc.StatusCode.NOT_FOUND, "PRODUCT_NOT_LISTED")
    assert "omni.catalog.product.unpublished" in await catalog.subjects()


async def test_the_category_tree_moves_a_subtree_together(catalog):
    women = await category(catalog, "women")
    men = await category(catalog, "men")
    shoes = await category(catalog, "shoes", women.id)
    sneakers = await category(catalog, "sneakers", shoes.id)
    assert sneakers.path == "/women/shoes/sneakers"
    assert list(sneakers.ancestor_ids) == [women.id, shoes.id]

    moved = await catalog.stub.UpdateCategory(
        catalog_pb2.UpdateCategoryRequest(
            category=catalog_pb2.Category(id=shoes.id, parent_id=men.id),
            update_mask=FieldMask(paths=["parent_id"]),
            expected_version=1,
        )
    )
    assert moved.category.path == "/men/shoes"
    below = await catalog.stub.GetCategory(catalog_pb2.GetCategoryRequest(category_id=sneakers.id))
    assert below.category.path == "/men/shoes/sneakers"
    assert list(below.category.ancestor_ids) == [men.id, shoes.id]

    cycle = await refused(
        catalog.stub.UpdateCategory,
        catalog_pb2.UpdateCategoryRequest(
            category=catalog_pb2.Category(id=men.id, parent_id=sneakers.id),
            update_mask=FieldMask(paths=["parent_id"]),
            expected_version=1,
        ),
    )
    assert (cycle.code, cycle.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "CATEGORY_CYCLE")

    paths, token = [], ""
    while True:
        page = await catalog.stub.ListCategories(
            catalog_pb2.ListCategoriesRequest(page_size=3, page_token=token)
        )
        paths += [c.path for c in page.categories]
        token = page.next_page_token
        if not token:
            break
    assert paths == ["/men", "/men/shoes", "/men/shoes/sneakers", "/women"]
    roots = await catalog.stub.ListCategories(catalog_pb2.ListCategoriesRequest(roots_only=True))
    assert [c.slug for c in roots.categories] == ["men", "women"]


async def test_concurrent_creates_of_one_sku_leave_exactly_one_product(catalog):
    requests = [
        catalog.stub.CreateProduct(
            catalog_pb2.CreateProductRequest(product=product(slug=f"race-{n}", skus=("RACE-1",)))
        )
        for n in range(8)
    ]
    results = await asyncio.gather(*requests, return_exceptions=True)
    created = [r for r in results if not isinstance(r, Exception)]
    refusals = [error_details(r) for r in results if isinstance(r, grpc.aio.AioRpcError)]
    assert len(created) == 1
    assert {(d.code, d.metadata["sku"]) for d in refusals} == {
        (grpc.StatusCode.ALREADY_EXISTS, "RACE-1")
    }
    assert len(refusals) == 7
    assert await catalog.db["products"].count_documents({}) == 1
    assert await catalog.subjects() == ["omni.catalog.product.created"]


async def test_concurrent_updates_from_one_version_let_exactly_one_through(catalog):
    created = await catalog.create(product())
    requests = [
        catalog.stub.UpdateProduct(
            catalog_pb2.UpdateProductRequest(
                product=catalog_pb2.Product(id=created.id, brand=f"brand-{n}"),
                update_mask=FieldMask(paths=["brand"]),
                expected_version=1,
            )
        )
        for n in range(6)
    ]
    results = await asyncio.gather(*requests, return_exceptions=True)
    winners = [r.product for r in results if not isinstance(r, Exception)]
    codes = {r.code() for r in results if isinstance(r, grpc.aio.AioRpcError)}
    assert len(winners) == 1
    assert codes == {grpc.StatusCode.ABORTED}
    stored = await catalog.stub.GetProduct(catalog_pb2.GetProductRequest(product_id=created.id))
    assert (stored.product.version, stored.product.brand) == (2, winners[0].brand)
    assert (await catalog.subjects()).count("omni.catalog.product.updated") == 1
