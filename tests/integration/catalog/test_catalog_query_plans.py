"""Every query the catalog's browse and search run, explained against the real store with a
few thousand products: each must be an index range scan (no collection scan), never sort in
memory, and read a bounded number of documents whatever the size of the catalog.

The queries are the ones the service really sends: the browse store reports each to
`BrowseStore.observer`, and the test explains what it saw."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from catalog_builders import APP, WEB, eur

from omni.catalog.v1 import catalog_pb2
from omni_catalog.api.messages import category_from, listing_from, product_from
from omni_catalog.domain.channels import Channel, SalesChannel
from omni_catalog.domain.promotions import Promotion, targets
from omni_catalog.domain.search import neighbourhood
from omni_catalog.rebuild import rebuild
from omni_catalog.store.browse import BrowseStore
from omni_catalog.store.documents import category_document, listing_document, product_document
from omni_catalog.store.promotions import NEWEST, PromotionStore

PRODUCTS = 3000
PAGE = 24
# One query reads at most a window or a fence list; a page reads a few of them.
MAX_PER_QUERY = 700
MAX_PER_PAGE = 1200
MAX_PER_SEARCH = 2000
# The newest products are sold on the app only: a web list newest first must not walk them.
APP_ONLY = 1300
KINDS = ["shirt", "boot", "mug", "lamp", "kettle", "sofa", "towel", "spade", "ball", "pen"]
COLOURS = ["red", "blue", "green", "żółty", "чорний"]


def stage_names(plan: dict[str, Any]) -> list[str]:
    names = [plan.get("stage", "")]
    for key in ("inputStage", "queryPlan"):
        if isinstance(plan.get(key), dict):
            names += stage_names(plan[key])
    for child in plan.get("inputStages", []):
        names += stage_names(child)
    return names


def assert_index_range(explained: dict[str, Any], query: dict[str, Any], limit: int) -> int:
    """Fails on a collection scan, an in-memory sort over more than a page, or more documents
    examined than `limit` (or far more than returned); returns the documents examined."""
    plan = explained["queryPlanner"]["winningPlan"]
    stages = stage_names(plan)
    stats = explained["executionStats"]
    assert "COLLSCAN" not in stages, f"collection scan for {query}"
    assert "IXSCAN" in stages or "IDHACK" in stages or "EXPRESS_IXSCAN" in stages, (
        f"no index for {query}: {stages}"
    )
    if "SORT" in stages:
        assert stats["nReturned"] <= PAGE + 1, f"in-memory sort of {stats['nReturned']}: {query}"
    examined = stats["totalDocsExamined"]
    assert examined <= limit, f"{examined} documents examined for {query}"
    assert examined <= 4 * max(stats["nReturned"], 1) + PAGE, f"examined >> returned: {query}"
    return examined


async def seed(db, count: int) -> dict[str, str]:
    """`count` products straight into the store, listed on web (most) and app (some), the
    newest APP_ONLY on the app alone, then the read model built by the rebuild command (the
    same documents the writes make)."""
    rng = random.Random(26)
    now = datetime.now(UTC)
    later = now + timedelta(minutes=1)
    departments = {}
    categories = []
    for index, kind in enumerate(KINDS):
        department = f"dept-{index % 3}"
        if department not in departments:
            root = catalog_pb2.Category(
                id=f"cat_{department}", name=department, slug=department, path=f"/{department}"
            )
            departments[department] = root
            categories.append(root)
        categories.append(
            catalog_pb2.Category(
                id=f"cat_{kind}",
                name=kind,
                slug=kind,
                parent_id=f"cat_{department}",
                ancestor_ids=[f"cat_{department}"],
                path=f"/{department}/{kind}",
            )
        )
    await db["categories"].insert_many([category_document(category_from(c)) for c in categories])
    products, listings = [], []
    for number in range(count):
        kind = KINDS[number % len(KINDS)]
        colour = COLOURS[rng.randrange(len(COLOURS))]
        item = catalog_pb2.Product(
            id=f"prod_{number:08d}",
            version=1,
            slug=f"p-{number}",
            status=catalog_pb2.PRODUCT_STATUS_ACTIVE
            if number % 20
            else catalog_pb2.PRODUCT_STATUS_DRAFT,
            default_language="en",
            texts={
                "en": catalog_pb2.LocalizedText(name=f"{colour} {kind} model{number % 300}"),
                "pl": catalog_pb2.LocalizedText(name=f"{kind} {colour}"),
            },
            category_ids=[f"cat_{kind}"],
            attributes={"colour": colour},
            variants=[
                catalog_pb2.Variant(sku=f"P{number}-{size}", attributes={"size": size})
                for size in ("S", "M", "L")
            ],
        )
        app_only = number >= count - APP_ONLY
        item.created_at.FromDatetime(later if app_only else now)
        item.updated_at.FromDatetime(later if app_only else now)
        products.append(product_document(product_from(item)))
        for ref, share in ((WEB, 0.0 if app_only else 0.9), (APP, 1.0 if app_only else 0.4)):
            if rng.random() < share:
                listing = catalog_pb2.ChannelListing(
                    product_id=item.id,
                    channel=ref,
                    published=item.status == catalog_pb2.PRODUCT_STATUS_ACTIVE,
                    price=eur(100 * rng.randrange(1, 500)),
                    version=1,
                )
                listing.updated_at.FromDatetime(now)
                document = listing_document(listing_from(listing))
                document["feed_at"] = now
                listings.append(document)
    for start in range(0, count, 1000):
        await db["products"].insert_many(products[start : start + 1000])
    await db["listings"].insert_many(listings)
    await rebuild(db)
    return {"shirt": "cat_shirt", "dept": "cat_dept-0"}


@pytest.fixture
async def observed(catalog):
    categories = await seed(catalog.db, PRODUCTS)
    seen: list[dict[str, Any]] = []
    BrowseStore.observer = seen.append
    yield catalog, categories, seen
    BrowseStore.observer = None


def shapes(categories: dict[str, str]) -> list[tuple[str, catalog_pb2.ListProductsRequest]]:
    colour = catalog_pb2.AttributeFilter(key="colour", values=["red"])
    colours = catalog_pb2.AttributeFilter(key="colour", values=["red", "blue"])
    found = []
    for sort in catalog_pb2.ProductSort.values():
        name = catalog_pb2.ProductSort.Name(sort)
        for label, fields in [
            ("all", {}),
            ("subtree", {"category_id": categories["dept"], "include_subcategories": True}),
            ("category", {"category_id": categories["shirt"]}),
            ("colour", {"attribute_filters": [colour]}),
            ("colours", {"attribute_filters": [colours]}),
            (
                "category+colour",
                {"category_id": categories["shirt"], "attribute_filters": [colour]},
            ),
            ("price", {"min_price": eur(1000), "max_price": eur(20000)}),
            ("staff", {"include_unpublished": True, "statuses": [1, 2, 3]}),
        ]:
            found.append(
                (
                    f"web {name} {label}",
                    catalog_pb2.ListProductsRequest(channel=WEB, sort=sort, **fields),
                )
            )
            if label not in ("price", "staff") and sort not in (3, 4):
                found.append(
                    (
                        f"catalog {name} {label}",
                        catalog_pb2.ListProductsRequest(sort=sort, **fields),
                    )
                )
    for query in ("shirt", "red shirt", "shi", "zolty", "чорний mug", "shrit", "model12"):
        found.append((f"search {query}", catalog_pb2.ListProductsRequest(channel=WEB, query=query)))
        found.append((f"search all {query}", catalog_pb2.ListProductsRequest(query=query)))
    found.append(
        (
            "search sorted by price, in a category",
            catalog_pb2.ListProductsRequest(
                channel=WEB,
                query="red",
                sort=catalog_pb2.PRODUCT_SORT_PRICE_DESC,
                category_id=categories["dept"],
                include_subcategories=True,
            ),
        )
    )
    found.append(("facets", catalog_pb2.ListProductsRequest(channel=WEB, include_facets=True)))
    found.append(
        (
            "search facets",
            catalog_pb2.ListProductsRequest(channel=WEB, query="shirt", include_facets=True),
        )
    )
    return found


@pytest.mark.timeout(300)  # 3,000 products seeded and every query explained, on a shared machine
async def test_every_browse_search_and_lookup_query_is_a_bounded_index_range(observed):
    catalog, categories, seen = observed
    for label, request in shapes(categories):
        for page in range(3):
            request.page_size = PAGE
            # Cold fence lists cost a few more reads once; measure the page as it runs warm.
            await catalog.stub.ListProducts(request)
            seen.clear()
            reply = await catalog.stub.ListProducts(request)
            queries = list(seen)
            total = 0
            for query in queries:
                explained = await catalog.db.command(
                    "explain", {"find": "browse", "filter": query}, verbosity="executionStats"
                )
                total += assert_index_range(explained, query, MAX_PER_QUERY)
            limit = MAX_PER_SEARCH if request.query else MAX_PER_PAGE
            assert total <= limit, f"{label}, page {page + 1}: {total} documents read"
            if not reply.next_page_token:
                break
            request.page_token = reply.next_page_token
    # And what corrections and sale windows look up.
    for collection, query in [
        ("vocabulary", {"near": {"$in": neighbourhood("shrit")}}),
        ("vocabulary", {"_id": {"$in": ["shirt", "red"]}}),
        (
            "browse",
            {"flip_at": {"$gte": datetime(1970, 1, 1, tzinfo=UTC), "$lte": datetime.now(UTC)}},
        ),
    ]:
        explained = await catalog.db.command(
            "explain", {"find": collection, "filter": query}, verbosity="executionStats"
        )
        assert_index_range(explained, query, MAX_PER_QUERY)
    # And what catalog promotions look up: the promotions covering a product's channel and
    # categories, the changed ones the sale-window task sweeps, a page of them newest first (and
    # the next), and the browse documents one covers (read a batch at a time).
    store = PromotionStore(catalog.db)
    now = datetime.now(UTC)
    for number in range(40):
        await store.insert(
            Promotion(
                id=f"promo_{number:04d}",
                name=f"promotion {number}",
                percentage_basis_points=1000,
                category_ids=(f"cat_{KINDS[number % len(KINDS)]}",),
                channels=(Channel(SalesChannel.WEB),),
                starts_at=now + timedelta(days=number),
                ends_at=now + timedelta(days=number + 1),
                active=number % 2 == 0,
                version=1,
                created_at=now + timedelta(seconds=number),
                updated_at=now,
            ),
            None,
        )
    after = {NEWEST: {"$lt": f"{(now + timedelta(seconds=30)).isoformat()}|promo_0030"}}
    covering = targets(["SALES_CHANNEL_WEB"], ["cat_shirt", "cat_dept-0"])
    by_newest = {NEWEST: -1}
    for collection, query, sort, limit in [
        *(
            ("catalog_promotions", {"targets": pair, "ends_at": {"$gt": now}}, None, 0)
            for pair in covering
        ),
        ("catalog_promotions", {"sweep_at": {"$gte": datetime(1970, 1, 1, tzinfo=UTC)}}, None, 0),
        ("catalog_promotions", {}, by_newest, PAGE + 1),
        ("catalog_promotions", {"active": True}, by_newest, PAGE + 1),
        ("catalog_promotions", {"active": True, **after}, by_newest, PAGE + 1),
        (
            "browse",
            {"cats": "cat_shirt", "scope": "SALES_CHANNEL_WEB"},
            None,
            100,
        ),
    ]:
        command: dict[str, Any] = {"find": collection, "filter": query, "limit": limit}
        if sort is not None:
            command["sort"] = sort
        explained = await catalog.db.command("explain", command, verbosity="executionStats")
        assert_index_range(explained, query, MAX_PER_QUERY)
