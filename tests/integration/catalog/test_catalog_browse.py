"""ListProducts over real gRPC: category subtrees, attribute and price filters, sorts, cursor
pages, and case-insensitive literal text search."""

from __future__ import annotations

from datetime import timedelta

import grpc
import pytest
from catalog_builders import APP, WEB, eur, product

from omni.catalog.v1 import catalog_pb2
from omni.common.v1 import common_pb2
from omni_kit.errors import error_details
from omni_kit.ids import utcnow
from omni_kit.protos import to_timestamp

# name, sku, category, colour, web price, sale price now (or None), published on web
ROWS = [
    ("Canvas Sneaker", "SN-1", "sneakers", "white", 6000, None, True),
    ("Leather Boot", "BO-1", "boots", "brown", 12000, 9000, True),
    ("Trail Sneaker", "SN-2", "sneakers", "blue", 8000, None, True),
    ("Rain Boot (kids)", "BO-2", "boots", "yellow", 3000, None, True),
    ("Linen Shirt", "SH-1", "shirts", "white", 4000, None, True),
    ("Hidden Sneaker", "SN-3", "sneakers", "white", 100, None, False),
]


@pytest.fixture
async def seeded(catalog):
    async def category(slug, parent=""):
        reply = await catalog.stub.CreateCategory(
            catalog_pb2.CreateCategoryRequest(
                category=catalog_pb2.Category(name=slug, slug=slug, parent_id=parent)
            )
        )
        return reply.category.id

    shoes = await category("shoes")
    tree = {
        "shoes": shoes,
        "sneakers": await category("sneakers", shoes),
        "boots": await category("boots", shoes),
        "shirts": await category("shirts"),
    }
    now = utcnow()
    ids = {}
    for name, sku, where, colour, price, sale, published in ROWS:
        item = await catalog.create(
            product(
                slug=sku.lower(),
                skus=(sku,),
                name=name,
                category_ids=[tree[where]],
                attributes={"colour": colour},
            )
        )
        extra = {}
        if sale:
            extra = {
                "sale_price": eur(sale),
                "sale_starts_at": to_timestamp(now - timedelta(hours=1)),
            }
        await catalog.list_on(item.id, price, WEB, published=published, **extra)
        ids[name] = item.id
    return catalog, tree, ids


async def names(catalog, **fields) -> list[str]:
    """Every product name the request lists, following the cursor page by page."""
    found, token = [], ""
    while True:
        page = await catalog.stub.ListProducts(
            catalog_pb2.ListProductsRequest(page_size=2, page_token=token, **fields)
        )
        found += [p.texts["en"].name for p in page.products]
        token = page.next_page_token
        if not token:
            return found


async def test_a_category_lists_its_subcategories_products_too(seeded):
    catalog, tree, _ = seeded
    sort = catalog_pb2.PRODUCT_SORT_NAME_ASC
    assert await names(catalog, category_id=tree["shoes"], sort=sort) == []
    assert await names(
        catalog, category_id=tree["shoes"], include_subcategories=True, sort=sort, channel=WEB
    ) == ["Canvas Sneaker", "Leather Boot", "Rain Boot (kids)", "Trail Sneaker"]
    assert await names(catalog, category_id=tree["boots"], sort=sort) == [
        "Leather Boot",
        "Rain Boot (kids)",
    ]


async def test_attributes_and_price_range_filter_on_the_effective_price(seeded):
    catalog, _, _ = seeded
    white = catalog_pb2.AttributeFilter(key="colour", values=["white", "brown"])
    assert await names(
        catalog, attribute_filters=[white], sort=catalog_pb2.PRODUCT_SORT_PRICE_ASC, channel=WEB
    ) == ["Linen Shirt", "Canvas Sneaker", "Leather Boot"]
    assert await names(
        catalog,
        channel=WEB,
        min_price=eur(5000),
        max_price=eur(9000),
        sort=catalog_pb2.PRODUCT_SORT_PRICE_DESC,
    ) == ["Leather Boot", "Trail Sneaker", "Canvas Sneaker"]


async def test_every_sort_pages_through_every_published_product_once(seeded):
    catalog, _, _ = seeded
    published = sorted(row[0] for row in ROWS if row[6])
    for sort in catalog_pb2.ProductSort.values():
        if sort == catalog_pb2.PRODUCT_SORT_UNSPECIFIED:
            continue
        listed = await names(catalog, channel=WEB, sort=sort)
        assert sorted(listed) == published, catalog_pb2.ProductSort.Name(sort)
    assert await names(catalog, channel=WEB, sort=catalog_pb2.PRODUCT_SORT_NAME_DESC) == list(
        reversed(published)
    )
    assert await names(catalog, channel=APP) == []
    staff = await names(catalog, channel=WEB, include_unpublished=True)
    assert "Hidden Sneaker" in staff


async def test_text_search_matches_words_and_prefixes_and_punctuation_lists_everything(seeded):
    catalog, _, _ = seeded
    assert sorted(await names(catalog, query="sneaker", channel=WEB)) == [
        "Canvas Sneaker",
        "Trail Sneaker",
    ]
    assert await names(catalog, query="bo-1") == ["Leather Boot"]
    assert await names(catalog, query="(kids)") == ["Rain Boot (kids)"]
    # Only punctuation: no text filter at all.
    assert sorted(await names(catalog, query=".*")) == sorted(row[0] for row in ROWS)
    # The last word is a prefix (type-ahead); equal relevance goes by name.
    assert await names(catalog, query="sn") == ["Canvas Sneaker", "Hidden Sneaker", "Trail Sneaker"]
    assert await names(catalog, query="LE") == ["Leather Boot"]


async def test_bad_browse_requests_are_refused_with_the_field(seeded):
    catalog, _, _ = seeded
    first = await catalog.stub.ListProducts(
        catalog_pb2.ListProductsRequest(page_size=1, channel=WEB)
    )
    cases = [
        (catalog_pb2.ListProductsRequest(page_size=-1), "page_size"),
        (catalog_pb2.ListProductsRequest(page_token="garbage"), "page_token"),
        (
            catalog_pb2.ListProductsRequest(page_token=first.next_page_token, query="x"),
            "page_token",
        ),
        (catalog_pb2.ListProductsRequest(min_price=eur(1)), "channel"),
        (
            catalog_pb2.ListProductsRequest(
                channel=WEB, min_price=common_pb2.Money(amount_minor=5)
            ),
            "min_price.currency_code",
        ),
        (catalog_pb2.ListProductsRequest(channel=WEB, min_price=eur(-5)), "min_price.amount_minor"),
    ]
    for request, field in cases:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await catalog.stub.ListProducts(request)
        details = error_details(caught.value)
        assert (details.code, details.field) == (grpc.StatusCode.INVALID_ARGUMENT, field)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await catalog.stub.ListProducts(catalog_pb2.ListProductsRequest(category_id="cat_nope"))
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND


async def test_relevance_puts_an_exact_sku_before_name_prefixes(catalog):
    for name, sku in [("Walking Boot", "WB-1"), ("Boot Polish", "BP-1"), ("Laces", "boot")]:
        await catalog.create(product(slug=sku.lower(), skus=(sku,), name=name))
    assert await names(catalog, query="BOOT") == ["Laces", "Boot Polish", "Walking Boot"]
