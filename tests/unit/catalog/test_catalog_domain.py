"""Catalog rules without I/O: prices in force, masks, cursors, listings, the category tree."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omni_catalog.domain import browse, categories, listings, masks, paging, products
from omni_catalog.domain.browse import ProductSort, Wanted
from omni_catalog.domain.categories import Category
from omni_catalog.domain.channels import Channel, SalesChannel, channel_key
from omni_catalog.domain.listings import ChannelListing
from omni_catalog.domain.money import Money
from omni_catalog.domain.products import LocalizedText, Media, Product, ProductStatus, Variant
from omni_kit.errors import InvalidArgument

T0 = datetime(2026, 1, 1, tzinfo=UTC)
WEB = Channel(SalesChannel.WEB)


def stamp(hours: int) -> datetime:
    return T0 + timedelta(hours=hours)


def eur(amount: int, currency: str = "EUR") -> Money:
    return Money(amount, currency)


def listing(**fields) -> ChannelListing:
    return ChannelListing(product_id="p", channel=WEB, price=eur(1000), **fields)


@settings(max_examples=60, deadline=None)
@given(
    start=st.one_of(st.none(), st.integers(-50, 50)),
    length=st.one_of(st.none(), st.integers(1, 50)),
    at=st.integers(-100, 100),
)
def test_the_sale_price_applies_exactly_inside_its_half_open_window(start, length, at):
    fields = {"sale_price": eur(700)}
    if start is not None:
        fields["sale_starts_at"] = stamp(start)
    end = None if length is None else (start or 0) + length
    if end is not None:
        fields["sale_ends_at"] = stamp(end)
    item = listing(**fields)
    listings.validate_listing(item)
    inside = (start is None or start <= at) and (end is None or at < end)
    price = listings.effective_price(item, T0 + timedelta(hours=at))
    assert (price.amount_minor, price.on_sale) == ((700, True) if inside else (1000, False))


def test_without_a_sale_the_list_price_applies():
    price = listings.effective_price(listing(), T0)
    assert (price.amount_minor, price.currency, price.on_sale) == (1000, "EUR", False)


@pytest.mark.parametrize(
    ("fields", "field", "reason"),
    [
        ({"price": Money(5, "")}, "listing.price.currency_code", None),
        ({"price": eur(5, "eur")}, "listing.price.currency_code", "INVALID_CURRENCY"),
        ({"price": eur(-5)}, "listing.price.amount_minor", "NEGATIVE_AMOUNT"),
        ({"sale_price": eur(5, "USD")}, "listing.sale_price.currency_code", "CURRENCY_MISMATCH"),
        ({"sale_starts_at": stamp(1)}, "listing.sale_price", "SALE_WINDOW_WITHOUT_SALE_PRICE"),
        (
            {"sale_price": eur(5), "sale_starts_at": stamp(2), "sale_ends_at": stamp(1)},
            "listing.sale_ends_at",
            "SALE_WINDOW_INVERTED",
        ),
    ],
)
def test_bad_listings_name_the_field(fields, field, reason):
    item = replace(listing(), **fields)
    with pytest.raises(InvalidArgument) as refused:
        listings.validate_listing(item)
    assert refused.value.field == field
    if reason:
        assert refused.value.reason == reason


def test_a_marketplace_listing_is_keyed_by_its_partner():
    market = SalesChannel.MARKETPLACE
    assert channel_key(Channel(market, "ptn_1")) == "SALES_CHANNEL_MARKETPLACE:ptn_1"
    assert channel_key(WEB) == "SALES_CHANNEL_WEB"
    with pytest.raises(InvalidArgument):
        channel_key(Channel(market))
    with pytest.raises(InvalidArgument):
        channel_key(Channel(SalesChannel.WEB, "ptn_1"))
    with pytest.raises(InvalidArgument) as refused:
        channel_key(Channel())
    assert refused.value.field == "channel.channel"


def test_a_listing_stamped_by_a_write_keeps_when_it_was_first_published():
    first = listings.stamped(None, listing(published=True), stamp(1))
    assert (first.version, first.created_at, first.published_at) == (1, stamp(1), stamp(1))
    repriced = listings.stamped(first, replace(first, price=eur(900)), stamp(2))
    assert (repriced.version, repriced.updated_at) == (2, stamp(2))
    assert (repriced.created_at, repriced.published_at) == (stamp(1), stamp(1))
    hidden = listings.stamped(repriced, replace(repriced, published=False), stamp(3))
    shown_again = listings.stamped(hidden, replace(hidden, published=True), stamp(4))
    assert (hidden.published_at, shown_again.published_at) == (stamp(1), stamp(4))
    assert listings.price_terms_changed(first, repriced)
    assert not listings.price_terms_changed(repriced, hidden)


def shirt() -> Product:
    return Product(
        slug="shirt",
        status=ProductStatus.ACTIVE,
        default_language="en",
        texts={"en": LocalizedText(name="Shirt"), "de": LocalizedText(name="Hemd")},
        attributes={"material": "linen", "fit": "slim"},
        brand="Nordic",
        variants=(Variant(sku="S-1"),),
    )


def test_a_mask_replaces_whole_maps_and_leaves_other_fields_alone():
    stored = shirt()
    changes = Product(attributes={"colour": "blue"}, brand="Other")
    paths = masks.validate_mask(["attributes"], products.UPDATABLE, products.READ_ONLY)
    updated = masks.apply_mask(stored, changes, paths)
    assert dict(updated.attributes) == {"colour": "blue"}
    assert updated.brand == "Nordic"
    assert masks.changed_paths(stored, updated, paths) == ["attributes"]
    assert masks.changed_paths(stored, stored, paths) == []


@pytest.mark.parametrize(
    ("paths", "field", "reason"),
    [
        ([], "update_mask", "EMPTY_UPDATE_MASK"),
        (["brand", "price"], "update_mask.paths[1]", "UNKNOWN_FIELD_PATH"),
        (["version"], "update_mask.paths[0]", "READ_ONLY_FIELD"),
    ],
)
def test_bad_masks_name_the_path(paths, field, reason):
    with pytest.raises(InvalidArgument) as refused:
        masks.validate_mask(paths, products.UPDATABLE, products.READ_ONLY)
    assert (refused.value.field, refused.value.reason) == (field, reason)


def test_products_need_a_default_language_text_and_valid_variants():
    products.validate_product(shirt())
    item = replace(shirt(), texts={"de": LocalizedText(name="Hemd")})
    with pytest.raises(InvalidArgument) as refused:
        products.validate_product(item)
    assert refused.value.field == "product.texts"
    item = replace(shirt(), variants=(Variant(sku="S-1"), Variant(sku="S-1")))
    with pytest.raises(InvalidArgument) as refused:
        products.validate_product(item)
    assert refused.value.reason == "DUPLICATE_SKU"
    with pytest.raises(InvalidArgument) as refused:
        products.validate_product(replace(shirt(), status=None))
    assert refused.value.field == "product.status"
    item = replace(shirt(), media=(Media(url="javascript:alert(1)"),))
    with pytest.raises(InvalidArgument) as refused:
        products.validate_product(item)
    assert refused.value.field == "product.media[0].url"
    assert products.name(shirt(), "de") == "Hemd"
    assert products.name(shirt(), "fr") == "Shirt"


@settings(max_examples=40, deadline=None)
@given(values=st.lists(st.one_of(st.text(max_size=10), st.integers(-(10**12), 10**12)), max_size=3))
def test_a_cursor_carries_its_values_and_only_serves_its_own_query(values):
    token = paging.encode_cursor([*values, T0], "q1")
    assert paging.decode_cursor(token, len(values) + 1, query="q1") == [*values, T0]
    with pytest.raises(InvalidArgument):
        paging.decode_cursor(token, len(values) + 1, query="q2")


def test_page_sizes_default_cap_and_refuse_negatives():
    assert (paging.page_size(0), paging.page_size(200), paging.page_size(7)) == (50, 200, 7)
    for out_of_range in (-1, 201):
        with pytest.raises(InvalidArgument):
            paging.page_size(out_of_range)


def test_keyset_after_continues_strictly_past_the_last_row():
    sort = [paging.SortKey("_price", True), paging.SortKey("_id", True)]
    assert paging.after(sort, [500, "b"]) == {
        "$or": [{"_price": {"$lt": 500}}, {"_price": 500, "_id": {"$lt": "b"}}]
    }


def test_price_filters_need_a_channel_and_one_currency():
    with pytest.raises(InvalidArgument) as refused:
        browse.browse(Wanted(sort=ProductSort.PRICE_ASC))
    assert refused.value.field == "channel"
    with pytest.raises(InvalidArgument) as refused:
        browse.browse(Wanted(channel=WEB, min_price=eur(1), max_price=eur(5, "USD")))
    assert refused.value.field == "max_price.currency_code"
    with pytest.raises(InvalidArgument) as refused:
        browse.browse(Wanted(channel=WEB, min_price=eur(9), max_price=eur(5)))
    assert refused.value.field == "max_price.amount_minor"
    wanted = browse.browse(Wanted(query="  Boot "))
    assert wanted.query.words == ("boot",)
    assert (wanted.sort, wanted.descending) == (browse.RELEVANCE, False)
    assert wanted.statuses == (ProductStatus.ACTIVE,)
    staff = browse.browse(
        Wanted(statuses=[ProductStatus.DRAFT, ProductStatus.ACTIVE, ProductStatus.DRAFT])
    )
    assert staff.statuses == (ProductStatus.ACTIVE, ProductStatus.DRAFT)
    assert (staff.sort, staff.descending) == (browse.NEWEST, True)


def test_a_moved_category_takes_its_descendants_along():
    root = Category(id="men", slug="men", path="/men")
    moved_to = categories.place("shoes", root)
    assert (moved_to.ancestor_ids, moved_to.path) == (("men",), "/men/shoes")
    below = Category(id="sn", ancestor_ids=("women", "shoes"), path="/women/shoes/sneakers")
    rebased = categories.rebase(below, "shoes", moved_to, "/women/shoes")
    assert (rebased.ancestor_ids, rebased.path) == (("men", "shoes"), "/men/shoes/sneakers")
    inside = Category(id="sn", ancestor_ids=("women", "shoes"))
    with pytest.raises(InvalidArgument):
        categories.check_move("shoes", inside, "category.parent_id")
