"""Every catalog change runs once per (caller, idempotency key): a repeat replays the stored
response without a second effect, another request under the key is refused, callers' keys do
not collide, and a call without a key is a new change each time."""

from __future__ import annotations

from datetime import timedelta

import grpc
import pytest
from catalog_builders import APP, WEB, eur, product
from google.protobuf.field_mask_pb2 import FieldMask

from omni.catalog.v1 import catalog_pb2
from omni_kit.errors import error_details
from omni_kit.idempotency import call_metadata, was_replayed


async def keyed(call, request, key: str, caller: str = "staff:ana"):
    """The response of a call made under `key`, and whether the service replayed it."""
    pending = call(request, metadata=call_metadata(key, caller))
    response = await pending
    return response, was_replayed(await pending.trailing_metadata())


async def footprint(catalog) -> dict[str, int]:
    """How many documents each collection a catalog change touches holds, and the events."""
    counts = {
        name: await catalog.db[name].count_documents({})
        for name in ("products", "categories", "listings", "outbox")
    }
    counts["product versions"] = sum(
        [doc["version"] async for doc in catalog.db["products"].find({}, {"version": 1})]
    )
    counts["listing versions"] = sum(
        [doc["version"] async for doc in catalog.db["listings"].find({}, {"version": 1})]
    )
    return counts


async def twice(catalog, call, request, key: str):
    """Call under `key`, then again: the repeat is the first response, replayed, and changes
    nothing."""
    first, first_replayed = await keyed(call, request, key)
    after_first = await footprint(catalog)
    again, again_replayed = await keyed(call, request, key)
    assert (first_replayed, again_replayed) == (False, True)
    assert again.SerializeToString() == first.SerializeToString()
    assert await footprint(catalog) == after_first
    return first


async def test_every_catalog_change_replays_under_its_key_without_a_second_effect(catalog):
    stub = catalog.stub
    shirts = (
        await twice(
            catalog,
            stub.CreateCategory,
            catalog_pb2.CreateCategoryRequest(
                category=catalog_pb2.Category(name="Shirts", slug="shirts")
            ),
            "cat-1",
        )
    ).category
    moved = await twice(
        catalog,
        stub.UpdateCategory,
        catalog_pb2.UpdateCategoryRequest(
            category=catalog_pb2.Category(id=shirts.id, name="Linen shirts"),
            update_mask=FieldMask(paths=["name"]),
            expected_version=1,
        ),
        "cat-2",
    )
    assert moved.category.version == 2

    created = (
        await twice(
            catalog,
            stub.CreateProduct,
            catalog_pb2.CreateProductRequest(product=product(category_ids=[shirts.id])),
            "prod-1",
        )
    ).product
    # The repeat of an update answers what it did, though the version has moved on since.
    updated = await twice(
        catalog,
        stub.UpdateProduct,
        catalog_pb2.UpdateProductRequest(
            product=catalog_pb2.Product(id=created.id, brand="Nordic"),
            update_mask=FieldMask(paths=["brand"]),
            expected_version=1,
        ),
        "prod-2",
    )
    assert updated.product.version == 2

    for ref in (WEB, APP):
        listing = catalog_pb2.ChannelListing(
            product_id=created.id, channel=ref, published=True, price=eur(4900)
        )
        await twice(
            catalog,
            stub.UpsertChannelListing,
            catalog_pb2.UpsertChannelListingRequest(listing=listing),
            f"list-{ref.channel}",
        )
    repriced = await twice(
        catalog,
        stub.UpdateChannelListing,
        catalog_pb2.UpdateChannelListingRequest(
            listing=catalog_pb2.ChannelListing(product_id=created.id, channel=WEB, price=eur(3900)),
            update_mask=FieldMask(paths=["price"]),
            expected_version=1,
        ),
        "list-price",
    )
    assert repriced.listing.version == 2
    unpublished = await twice(
        catalog,
        stub.UnpublishProduct,
        catalog_pb2.UnpublishProductRequest(product_id=created.id, channel=APP),
        "unpublish",
    )
    assert [listing.published for listing in unpublished.listings] == [False]
    await twice(
        catalog,
        stub.DeleteProduct,
        catalog_pb2.DeleteProductRequest(product_id=created.id, expected_version=2),
        "delete",
    )

    assert await catalog.subjects() == [
        "omni.catalog.product.created",
        "omni.catalog.product.updated",
        "omni.catalog.product.published",
        "omni.catalog.product.published",
        "omni.catalog.price.changed",
        "omni.catalog.product.unpublished",
        "omni.catalog.product.unpublished",
        "omni.catalog.product.deleted",
    ]
    records = [doc async for doc in catalog.db["idempotency"].find({})]
    assert len(records) == 9
    assert all(doc["state"] == "done" for doc in records)
    assert {doc["expires_at"] - doc["created_at"] for doc in records} == {timedelta(hours=24)}


async def test_a_key_sent_again_with_another_request_is_refused_and_writes_nothing(catalog):
    await keyed(
        catalog.stub.CreateProduct, catalog_pb2.CreateProductRequest(product=product()), "k1"
    )
    before = await footprint(catalog)
    other = catalog_pb2.CreateProductRequest(product=product(slug="oxford", skus=("OX-1",)))
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await keyed(catalog.stub.CreateProduct, other, "k1")
    refused = error_details(caught.value)
    assert refused.code == grpc.StatusCode.INVALID_ARGUMENT
    assert refused.reason == "IDEMPOTENCY_KEY_REUSED"
    assert refused.field == "Idempotency-Key"
    assert refused.metadata["key"] == "k1"
    assert "'k1'" in refused.message
    assert await footprint(catalog) == before


async def test_two_callers_with_the_same_key_make_two_products(catalog):
    ana, _ = await keyed(
        catalog.stub.CreateProduct,
        catalog_pb2.CreateProductRequest(product=product()),
        "k",
        caller="staff:ana",
    )
    bo, replayed = await keyed(
        catalog.stub.CreateProduct,
        catalog_pb2.CreateProductRequest(product=product(slug="oxford", skus=("OX-1",))),
        "k",
        caller="staff:bo",
    )
    assert not replayed
    assert ana.product.id != bo.product.id
    assert await catalog.db["products"].count_documents({}) == 2


async def test_without_a_key_each_call_is_a_new_change(catalog):
    request = catalog_pb2.CreateCategoryRequest(
        category=catalog_pb2.Category(name="Shirts", slug="shirts")
    )
    pending = catalog.stub.CreateCategory(request)
    created = await pending
    assert not was_replayed(await pending.trailing_metadata())
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await catalog.stub.CreateCategory(request)
    assert caught.value.code() == grpc.StatusCode.ALREADY_EXISTS
    assert [doc["_id"] async for doc in catalog.db["categories"].find({})] == [created.category.id]
    assert await catalog.db["idempotency"].count_documents({}) == 0


async def test_a_key_that_is_not_printable_ascii_is_refused(catalog):
    request = catalog_pb2.CreateProductRequest(product=product())
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await catalog.stub.CreateProduct(
            request, metadata=(("omni-idempotency-key", "two words"), ("omni-caller", "t"))
        )
    refused = error_details(caught.value)
    assert (refused.code, refused.field) == (grpc.StatusCode.INVALID_ARGUMENT, "Idempotency-Key")
    assert await catalog.db["products"].count_documents({}) == 0
