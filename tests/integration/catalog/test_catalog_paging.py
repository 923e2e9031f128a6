"""Keyset paging over the browse read model: under every sort and filter, following the page
tokens lists every matching product exactly once, in order, with nothing missing."""

from __future__ import annotations

import random

import pytest
from catalog_builders import APP, WEB, eur

from omni.catalog.v1 import catalog_pb2
from omni_kit.text import words

COLOURS = ("red", "blue", "green")
SIZES = ("S", "M", "L")
NAMES = ("Anchor", "anchor", "Boat", "Żagiel", "Сорочка", "Zebra", "Ąpple", "boat")


@pytest.fixture
async def stocked(catalog):
    """~180 products in three import batches (so some share a creation time), two levels of
    categories, colours and sizes, shared names and prices (ties), drafts, and listings on web
    (some unpublished) and app."""
    rng = random.Random(7)

    async def category(slug, parent=""):
        reply = await catalog.stub.CreateCategory(
            catalog_pb2.CreateCategoryRequest(
                category=catalog_pb2.Category(name=slug, slug=slug, parent_id=parent)
            )
        )
        return reply.category.id

    top = await category("top")
    leaves = [await category("left", top), await category("right", top), await category("other")]
    facts = {}
    number = 0
    for _ in range(3):
        items = []
        for _ in range(60):
            number += 1
            active = rng.random() > 0.1
            colour = COLOURS[rng.randrange(3)]
            leaf = leaves[rng.randrange(3)]
            name = f"{NAMES[rng.randrange(len(NAMES))]} {rng.randrange(5)}"
            item = catalog_pb2.ImportItem(
                product=catalog_pb2.Product(
                    slug=f"p-{number}",
                    status=catalog_pb2.PRODUCT_STATUS_ACTIVE
                    if active
                    else catalog_pb2.PRODUCT_STATUS_DRAFT,
                    default_language="en",
                    texts={"en": catalog_pb2.LocalizedText(name=name)},
                    category_ids=[leaf],
                    attributes={"colour": colour},
                    variants=[
                        catalog_pb2.Variant(sku=f"P{number}-{size}", attributes={"size": size})
                        for size in SIZES[: 1 + rng.randrange(3)]
                    ],
                )
            )
            price = 100 * rng.randrange(1, 20)
            web_published = active and rng.random() > 0.2
            if rng.random() > 0.1:
                item.listings.add(channel=WEB, published=web_published, price=eur(price))
            if active and rng.random() > 0.5:
                item.listings.add(channel=APP, published=True, price=eur(price + 50))
            items.append(item)
        reply = await catalog.stub.ImportProducts(
            catalog_pb2.ImportProductsRequest(items=items), timeout=60
        )
        for made in reply.products:
            facts[made.id] = made
        for listing in reply.listings:
            facts.setdefault(f"{listing.product_id}@{listing.channel.channel}", listing)
    return catalog, facts, {"top": top, "leaves": leaves}


async def walk(catalog, request: catalog_pb2.ListProductsRequest, size: int = 7):
    """Every product the request lists, page by page, with the listing of each."""
    found, listings, token, pages = [], {}, "", 0
    while True:
        request.page_size, request.page_token = size, token
        page = await catalog.stub.ListProducts(request)
        found += list(page.products)
        listings.update(dict(page.listings))
        token = page.next_page_token
        pages += 1
        assert pages < 200, "paging does not end"
        if not token:
            return found, listings


def name_key(product: catalog_pb2.Product) -> str:
    return " ".join(words(product.texts[product.default_language].name))


SORTS = {
    catalog_pb2.PRODUCT_SORT_NAME_ASC: (lambda p, li: (name_key(p), p.id), False),
    catalog_pb2.PRODUCT_SORT_NAME_DESC: (lambda p, li: (name_key(p), p.id), True),
    catalog_pb2.PRODUCT_SORT_PRICE_ASC: (
        lambda p, li: (li.effective_price.amount_minor, p.id),
        False,
    ),
    catalog_pb2.PRODUCT_SORT_PRICE_DESC: (
        lambda p, li: (li.effective_price.amount_minor, p.id),
        True,
    ),
    catalog_pb2.PRODUCT_SORT_NEWEST: (lambda p, li: (p.created_at.ToMilliseconds(), p.id), True),
    catalog_pb2.PRODUCT_SORT_RECENTLY_UPDATED: (
        lambda p, li: (p.updated_at.ToMilliseconds(), p.id),
        True,
    ),
}


def expected(facts, trees, *, channel=None, category=None, sub=True, colours=None, price=None):
    """The ids the catalog should list for these filters (active products; on a channel only
    those published there)."""
    ids = []
    for key, product in facts.items():
        if "@" in key or product.status != catalog_pb2.PRODUCT_STATUS_ACTIVE:
            continue
        listing = facts.get(f"{product.id}@{channel.channel}") if channel else None
        if channel is not None and (listing is None or not listing.published):
            continue
        own = product.category_ids[0]
        if category is not None:
            inside = own == category or (
                sub and category == trees["top"] and own in trees["leaves"][:2]
            )
            if not inside:
                continue
        if colours is not None and product.attributes["colour"] not in colours:
            continue
        if price is not None and not (price[0] <= listing.price.amount_minor <= price[1]):
            continue
        ids.append(product.id)
    return set(ids)


FILTERS = [
    ("everything", {}),
    ("subtree", {"category": "top"}),
    ("category only", {"category": "top", "sub": False}),
    ("leaf", {"category": "left"}),
    ("one colour", {"colours": ["red"]}),
    ("two colours", {"colours": ["red", "green"]}),
    ("leaf and colour", {"category": "right", "colours": ["blue"]}),
    ("price range", {"price": (500, 1200)}),
]


def request_for(trees, channel, sort, spec) -> catalog_pb2.ListProductsRequest:
    request = catalog_pb2.ListProductsRequest(sort=sort)
    if channel is not None:
        request.channel.CopyFrom(channel)
    if "category" in spec:
        name = spec["category"]
        request.category_id = (
            trees["top"] if name == "top" else trees["leaves"][["left", "right"].index(name)]
        )
        request.include_subcategories = spec.get("sub", True)
    if "colours" in spec:
        request.attribute_filters.add(key="colour", values=spec["colours"])
    if "price" in spec:
        request.min_price.CopyFrom(eur(spec["price"][0]))
        request.max_price.CopyFrom(eur(spec["price"][1]))
    return request


@pytest.mark.parametrize("channel", [WEB, APP, None], ids=["web", "app", "no channel"])
async def test_every_sort_under_every_filter_pages_without_gaps_or_repeats(stocked, channel):
    catalog, facts, trees = stocked
    for sort, (key, descending) in SORTS.items():
        for label, spec in FILTERS:
            if channel is None and ("price" in spec or sort in (3, 4)):
                continue
            request = request_for(trees, channel, sort, spec)
            listed, listings = await walk(catalog, request)
            ids = [p.id for p in listed]
            what = f"{catalog_pb2.ProductSort.Name(sort)} / {label}"
            assert len(ids) == len(set(ids)), f"{what}: repeated rows"
            category = request.category_id or None
            wanted = expected(
                facts,
                trees,
                channel=channel,
                category=category,
                sub=spec.get("sub", True),
                colours=spec.get("colours"),
                price=spec.get("price"),
            )
            assert set(ids) == wanted, f"{what}: {len(set(ids) ^ wanted)} rows differ"
            keys = [key(p, listings.get(p.id)) for p in listed]
            assert keys == sorted(keys, reverse=descending), f"{what}: out of order"


async def test_a_page_token_is_only_good_for_its_own_query(stocked):
    catalog, _, _ = stocked
    first = await catalog.stub.ListProducts(
        catalog_pb2.ListProductsRequest(channel=WEB, page_size=3)
    )
    again = await catalog.stub.ListProducts(
        catalog_pb2.ListProductsRequest(channel=WEB, page_size=3, page_token=first.next_page_token)
    )
    assert not {p.id for p in first.products} & {p.id for p in again.products}
    # Asking for facets (or another page size) does not change what the token continues.
    faceted = await catalog.stub.ListProducts(
        catalog_pb2.ListProductsRequest(
            channel=WEB, page_size=3, page_token=first.next_page_token, include_facets=True
        )
    )
    assert [p.id for p in faceted.products] == [p.id for p in again.products]
