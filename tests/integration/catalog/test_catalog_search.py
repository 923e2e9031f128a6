"""Search over real gRPC and the real store: folded words in three languages, type-ahead,
relevance, corrections from the catalog's vocabulary, facets, and refusals of bad input."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from catalog_builders import WEB, product

from omni.catalog.v1 import catalog_pb2
from omni_kit.errors import error_details


def texts(**names: str) -> dict[str, catalog_pb2.LocalizedText]:
    return {language: catalog_pb2.LocalizedText(name=name) for language, name in names.items()}


async def search(catalog, query: str, **fields) -> catalog_pb2.ListProductsResponse:
    return await catalog.stub.ListProducts(
        catalog_pb2.ListProductsRequest(query=query, page_size=50, **fields)
    )


def slugs(reply: catalog_pb2.ListProductsResponse) -> list[str]:
    return [p.slug for p in reply.products]


async def eventually(check, timeout: float = 10.0):
    """The vocabulary follows writes a moment after their commit."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            return await check()
        except AssertionError:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.1)


@pytest.fixture
async def shop(catalog):
    rows = [
        (
            "yellow-shirt",
            "ZS-1",
            {"pl": "Koszula Żółta", "uk": "Жовта сорочка", "en": "Yellow shirt"},
        ),
        ("zolty-kubek", "ZK-1", {"pl": "Zolty kubek", "en": "Yellow mug"}),
        ("hedgehog", "HH-1", {"uk": "Їжак іграшковий", "en": "Toy hedgehog"}),
        ("linen-shirt", "LS-1", {"en": "Linen shirt", "pl": "Koszula lniana"}),
        ("shirt-box", "SB-1", {"en": "Gift box"}),
    ]
    ids = {}
    for slug, sku, names in rows:
        item = product(slug=slug, skus=(sku,), name=next(iter(names.values())))
        item.ClearField("texts")
        for language, name in names.items():
            item.texts[language].name = name
        item.default_language = next(iter(names))
        if slug == "shirt-box":
            item.attributes["fits"] = "shirt"
        created = await catalog.create(item)
        await catalog.list_on(created.id, 1000 + len(ids) * 1000, WEB)
        ids[slug] = created.id
    return catalog, ids


async def test_words_are_found_whatever_their_case_and_diacritics_in_three_languages(shop):
    catalog, _ = shop
    both = {"yellow-shirt", "zolty-kubek"}
    assert set(slugs(await search(catalog, "żółty"))) == {"zolty-kubek"}
    assert set(slugs(await search(catalog, "ŻÓŁTA koszula"))) == {"yellow-shirt"}
    assert set(slugs(await search(catalog, "zolta"))) == {"yellow-shirt"}
    assert set(slugs(await search(catalog, "yellow", channel=WEB))) == both
    # Cyrillic stays Cyrillic, folded: yi and i are one letter to search.
    assert slugs(await search(catalog, "іжак")) == ["hedgehog"]
    assert slugs(await search(catalog, "ЖОВТА")) == ["yellow-shirt"]


async def test_the_last_word_is_a_prefix_while_typing_and_names_outrank_other_fields(shop):
    catalog, _ = shop
    assert slugs(await search(catalog, "koszula ln")) == ["linen-shirt"]
    assert set(slugs(await search(catalog, "kosz"))) == {"yellow-shirt", "linen-shirt"}
    # "shirt" in a name outranks "shirt" as an attribute value; an exact SKU beats both.
    ranked = slugs(await search(catalog, "shirt"))
    assert ranked[-1] == "shirt-box" and set(ranked[:2]) == {"yellow-shirt", "linen-shirt"}
    assert slugs(await search(catalog, "sb-1")) == ["shirt-box"]


async def test_misspelt_words_are_corrected_from_the_catalogs_own_vocabulary(shop):
    catalog, _ = shop

    async def corrected():
        reply = await search(catalog, "koszlua lniana")
        assert reply.corrected_query == "koszula lniana"
        assert slugs(reply) == ["linen-shirt"]
        return reply

    await eventually(corrected)
    # The last word too, once it cannot be the start of a known word.
    reply = await search(catalog, "hedgehgo")
    assert (reply.corrected_query, slugs(reply)) == ("hedgehog", ["hedgehog"])
    # A word the catalog knows is never "corrected", and a hopeless one finds nothing.
    assert (await search(catalog, "yellow")).corrected_query == ""
    assert slugs(await search(catalog, "qwxzv")) == []


async def test_facets_count_categories_attributes_and_price_bands_of_the_matches(catalog):
    shoes = (
        await catalog.stub.CreateCategory(
            catalog_pb2.CreateCategoryRequest(
                category=catalog_pb2.Category(name="Shoes", slug="shoes")
            )
        )
    ).category.id
    boots = (
        await catalog.stub.CreateCategory(
            catalog_pb2.CreateCategoryRequest(
                category=catalog_pb2.Category(name="Boots", slug="boots", parent_id=shoes)
            )
        )
    ).category.id
    rows = [("b1", boots, "brown", 1500), ("b2", boots, "black", 3000), ("s1", shoes, "brown", 900)]
    for slug, category, colour, price in rows:
        item = await catalog.create(
            product(
                slug=slug,
                skus=(slug.upper(),),
                name=f"Leather boot {slug}",
                category_ids=[category],
                attributes={"colour": colour},
            )
        )
        await catalog.list_on(item.id, price, WEB)
    for request in (
        catalog_pb2.ListProductsRequest(channel=WEB, include_facets=True, page_size=1),
        catalog_pb2.ListProductsRequest(
            channel=WEB, include_facets=True, query="leather", page_size=1
        ),
    ):
        facets = (await catalog.stub.ListProducts(request)).facets
        assert (facets.counted, facets.complete) == (3, True)
        assert {(f.value, f.count) for f in facets.categories} == {(shoes, 3), (boots, 2)}
        (colours,) = facets.attributes
        assert [(v.value, v.count) for v in colours.values] == [("brown", 2), ("black", 1)]
        bands = [(b.min.amount_minor, b.max.amount_minor, b.count) for b in facets.price_bands]
        assert bands == [(0, 1000, 1), (1000, 2500, 1), (2500, 5000, 1)]


async def test_bad_input_is_refused_naming_the_field_and_never_widens_a_query(shop):
    catalog, _ = shop
    for request, field in [
        (catalog_pb2.ListProductsRequest(query="x" * 201), "query"),
        (catalog_pb2.ListProductsRequest(page_size=201), "page_size"),
        (catalog_pb2.ListProductsRequest(page_size=-1), "page_size"),
        (catalog_pb2.ListProductsRequest(page_token="bm90IGEgdG9rZW4"), "page_token"),
        (catalog_pb2.ListProductsRequest(page_token="!!!"), "page_token"),
    ]:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await catalog.stub.ListProducts(request)
        details = error_details(refused.value)
        assert (details.code, details.field) == (grpc.StatusCode.INVALID_ARGUMENT, field)
    # A token from a list is not a search's, and the other way round.
    listed = await catalog.stub.ListProducts(catalog_pb2.ListProductsRequest(page_size=1))
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await catalog.stub.ListProducts(
            catalog_pb2.ListProductsRequest(
                page_size=1, query="shirt", page_token=listed.next_page_token
            )
        )
    assert error_details(refused.value).field == "page_token"
    # An attribute no product has: an empty page, not an error and not everything.
    unknown = catalog_pb2.AttributeFilter(key="no_such_thing", values=["x"])
    reply = await catalog.stub.ListProducts(
        catalog_pb2.ListProductsRequest(channel=WEB, attribute_filters=[unknown])
    )
    assert (list(reply.products), reply.next_page_token) == ([], "")
    # Only punctuation: the unfiltered list.
    everything = await catalog.stub.ListProducts(catalog_pb2.ListProductsRequest(page_size=50))
    assert slugs(await search(catalog, "?!.,;")) == slugs(everything)
    assert len(everything.products) == 5
    # The query is matched as words, never as a pattern.
    assert slugs(await search(catalog, ".*")) == slugs(everything)
    assert slugs(await search(catalog, "shirt.*")) == slugs(await search(catalog, "shirt"))
