"""Products as shoppers, staff and partners see them: the product with its variants, its listing
(price per channel), browse pages with availability and facets, categories, and the rows of a
partner's product feed. What staff send to change them is in `product_requests`.

Versions are not in these bodies: a product's or category's version travels as its ETag, and a
change sends it back as If-Match. Staff listings are the one exception (`version`): a listing has
no read of its own that could carry an ETag, so the list of a product's listings names each one's
version for the next change."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

import msgspec

from omni.catalog.v1 import catalog_pb2 as P
from omni_gateway.security.principals import Channel
from omni_gateway.views.common import (
    INT64_MAX,
    EnumMap,
    Money,
    View,
    channel_of,
    money,
    money_or_none,
    when,
    when_set,
)
from omni_gateway.views.stock import AvailabilitySummary
from omni_gateway.views.tax import TAX_CLASS, TaxClass


class ProductStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    ARCHIVED = "archived"


class MediaKind(StrEnum):
    IMAGE = "image"
    VIDEO = "video"
    DOCUMENT = "document"


PRODUCT_STATUS = EnumMap(ProductStatus, P.ProductStatus, "PRODUCT_STATUS_")
MEDIA_KIND = EnumMap(MediaKind, P.MediaKind, "MEDIA_KIND_")

Short = Annotated[str, msgspec.Meta(max_length=200)]
Long = Annotated[str, msgspec.Meta(max_length=20_000)]
Key = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Attributes = Annotated[dict[Key, Short], msgspec.Meta(max_length=100)]
Language = Annotated[str, msgspec.Meta(min_length=2, max_length=35)]


class ProductText(View):
    """A product's text in one language (the same on every channel)."""

    name: Short
    description: Long = ""
    short_description: Annotated[str, msgspec.Meta(max_length=1000)] = ""


class Media(View):
    url: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
    alt_text: Short = ""
    kind: MediaKind = MediaKind.IMAGE


class Variant(View):
    """A sellable unit of a product; `attributes` say what sets it apart (size, colour)."""

    sku: Key
    attributes: Attributes = {}
    barcode: Annotated[str, msgspec.Meta(max_length=64)] = ""
    # Packed weight in grams: 1 to 1,000,000, or 0 when not known.
    weight_grams: Annotated[int, msgspec.Meta(ge=0, le=INT64_MAX)] = 0
    media: Annotated[list[Media], msgspec.Meta(max_length=50)] = []
    # Packed size in millimetres: all three 1 to 10,000, or all 0 when not known.
    length_mm: Annotated[int, msgspec.Meta(ge=0, le=10_000)] = 0
    width_mm: Annotated[int, msgspec.Meta(ge=0, le=10_000)] = 0
    height_mm: Annotated[int, msgspec.Meta(ge=0, le=10_000)] = 0


class ProductView(View):
    id: str
    slug: str
    status: ProductStatus | None
    texts: dict[str, ProductText]
    default_language: str
    brand: str
    category_ids: list[str]
    attributes: dict[str, str]
    media: list[Media]
    variants: list[Variant]
    created_at: datetime | None
    updated_at: datetime | None
    # The rate class it is taxed at (rates per country: /staff/v1/tax/rates).
    tax_class: TaxClass = TaxClass.STANDARD


Moment = Annotated[datetime, msgspec.Meta(tz=True)]


class ListingPrice(View):
    """One more price on a listing: the product's in another currency (no `sku`), or one
    variant's in a currency (it overrides the product's there). `compare_at_price` is the "was"
    price shown beside it; the sale price applies from `sale_starts_at` (inclusive) to
    `sale_ends_at` (exclusive), an absent bound being open."""

    price: Money
    sku: Key | None = None
    compare_at_price: Money | None = None
    sale_price: Money | None = None
    sale_starts_at: Moment | None = None
    sale_ends_at: Moment | None = None


class EffectivePrice(View):
    """The price in force now for the product (no `sku`) or a variant with a price of its own,
    in one currency. A variant not named takes the product's price in that currency.
    `lowest_price_30d` (on a product's page): the lowest price in force in the 30 days before
    this one took effect (the EU's Omnibus rule for announced reductions)."""

    sku: str | None
    price: Money
    compare_at_price: Money | None
    on_sale: bool
    lowest_price_30d: Money | None = None


class ListingView(View):
    """What a product costs on the shopper's channel: the list price, a sale price with its window,
    and the price in force now; `prices` and `effective_prices` per variant and currency."""

    price: Money | None
    sale_price: Money | None
    sale_starts_at: datetime | None
    sale_ends_at: datetime | None
    effective_price: Money | None
    prices: list[ListingPrice] = []
    effective_prices: list[EffectivePrice] = []


class StaffListingView(ListingView, kw_only=True):
    """A listing on any channel, for staff: published or not, and its version for the next
    change (If-Match, or `version` in the body)."""

    product_id: str
    channel: Channel | None
    partner_id: str | None
    published: bool
    published_at: datetime | None
    created_at: datetime | None
    updated_at: datetime | None
    version: int


class BrowseItem(View):
    """A product on a browse page: its listing on the caller's channel, and per SKU whether it is
    in stock (left out when inventory cannot say)."""

    product: ProductView
    listing: ListingView | None = None
    availability: dict[str, AvailabilitySummary] | None = None


class StaffBrowseItem(View):
    """A product in any status, with its listing on the channel asked for."""

    product: ProductView
    listing: StaffListingView | None = None


class FacetCount(View):
    value: str
    count: int


class AttributeFacet(View):
    key: str
    values: list[FacetCount]


class PriceBand(View):
    """Products whose price in force is at least `min` and below `max` (no `max`: the top band)."""

    min: Money | None
    max: Money | None
    count: int


class ProductFacets(View):
    """Counts over the matching products, up to a bound: `counted` were counted and `complete`
    says whether that was all of them."""

    categories: list[FacetCount]
    attributes: list[AttributeFacet]
    price_bands: list[PriceBand]
    counted: int
    complete: bool


class ProductPage(View):
    items: list[BrowseItem]
    next_page_token: str | None
    corrected_query: str | None = None
    facets: ProductFacets | None = None


class StaffProductPage(View):
    items: list[StaffBrowseItem]
    next_page_token: str | None


class ListingList(View):
    items: list[StaffListingView]


class CategoryView(View):
    """A node of the category tree; `path` is its slug path from the root ("/women/shoes")."""

    id: str
    parent_id: str | None
    name: str
    slug: str
    ancestor_ids: list[str]
    path: str
    position: int
    created_at: datetime | None
    updated_at: datetime | None


class CategoryPage(View):
    items: list[CategoryView]
    next_page_token: str | None


# Mapping: internal messages to views.


def _media(item: P.Media) -> Media:
    kind = MEDIA_KIND.public(item.kind) or MediaKind.IMAGE
    return Media(url=item.url, alt_text=item.alt_text, kind=kind)


def product_view(product: P.Product) -> ProductView:
    return ProductView(
        id=product.id,
        slug=product.slug,
        status=PRODUCT_STATUS.public(product.status),
        texts={
            language: ProductText(
                name=text.name,
                description=text.description,
                short_description=text.short_description,
            )
            for language, text in product.texts.items()
        },
        default_language=product.default_language,
        brand=product.brand,
        category_ids=list(product.category_ids),
        attributes=dict(product.attributes),
        media=[_media(item) for item in product.media],
        variants=[
            Variant(
                sku=variant.sku,
                attributes=dict(variant.attributes),
                barcode=variant.barcode,
                weight_grams=variant.weight_grams,
                media=[_media(item) for item in variant.media],
                length_mm=variant.length_mm,
                width_mm=variant.width_mm,
                height_mm=variant.height_mm,
            )
            for variant in product.variants
        ],
        created_at=when_set(product, "created_at"),
        updated_at=when_set(product, "updated_at"),
        tax_class=TAX_CLASS.public(product.tax_class) or TaxClass.STANDARD,
    )


def listing_price_view(entry: P.ListingPrice) -> ListingPrice:
    return ListingPrice(
        sku=entry.sku or None,
        price=money(entry.price),
        compare_at_price=money_or_none(entry, "compare_at_price"),
        sale_price=money_or_none(entry, "sale_price"),
        sale_starts_at=when_set(entry, "sale_starts_at"),
        sale_ends_at=when_set(entry, "sale_ends_at"),
    )


def effective_price_view(entry: P.EffectivePrice) -> EffectivePrice:
    return EffectivePrice(
        sku=entry.sku or None,
        price=money(entry.price),
        compare_at_price=money_or_none(entry, "compare_at_price"),
        on_sale=entry.on_sale,
        lowest_price_30d=money_or_none(entry, "lowest_price_30d"),
    )


def listing_view(listing: P.ChannelListing) -> ListingView:
    return ListingView(
        price=money_or_none(listing, "price"),
        sale_price=money_or_none(listing, "sale_price"),
        sale_starts_at=when_set(listing, "sale_starts_at"),
        sale_ends_at=when_set(listing, "sale_ends_at"),
        effective_price=money_or_none(listing, "effective_price"),
        prices=[listing_price_view(entry) for entry in listing.prices],
        effective_prices=[effective_price_view(entry) for entry in listing.effective_prices],
    )


def staff_listing_view(listing: P.ChannelListing) -> StaffListingView:
    return StaffListingView(
        product_id=listing.product_id,
        channel=channel_of(listing.channel.channel),
        partner_id=listing.channel.partner_id or None,
        published=listing.published,
        price=money_or_none(listing, "price"),
        sale_price=money_or_none(listing, "sale_price"),
        sale_starts_at=when_set(listing, "sale_starts_at"),
        sale_ends_at=when_set(listing, "sale_ends_at"),
        effective_price=money_or_none(listing, "effective_price"),
        prices=[listing_price_view(entry) for entry in listing.prices],
        effective_prices=[effective_price_view(entry) for entry in listing.effective_prices],
        published_at=when_set(listing, "published_at"),
        created_at=when_set(listing, "created_at"),
        updated_at=when_set(listing, "updated_at"),
        version=listing.version,
    )


def category_view(category: P.Category) -> CategoryView:
    return CategoryView(
        id=category.id,
        parent_id=category.parent_id or None,
        name=category.name,
        slug=category.slug,
        ancestor_ids=list(category.ancestor_ids),
        path=category.path,
        position=category.position,
        created_at=when_set(category, "created_at"),
        updated_at=when_set(category, "updated_at"),
    )


def facets_view(facets: P.ProductFacets) -> ProductFacets:
    def counts(values: list[P.FacetCount]) -> list[FacetCount]:
        return [FacetCount(value=item.value, count=item.count) for item in values]

    return ProductFacets(
        categories=counts(list(facets.categories)),
        attributes=[
            AttributeFacet(key=item.key, values=counts(list(item.values)))
            for item in facets.attributes
        ],
        price_bands=[
            PriceBand(
                min=money_or_none(band, "min"), max=money_or_none(band, "max"), count=band.count
            )
            for band in facets.price_bands
        ],
        counted=facets.counted,
        complete=facets.complete,
    )


def browse_item(
    product: P.Product,
    listing: P.ChannelListing | None,
    stock: dict[str, AvailabilitySummary] | None,
) -> BrowseItem:
    """A product as a shopper sees it; `stock` None when inventory could not say."""
    return BrowseItem(
        product=product_view(product),
        listing=listing_view(listing) if listing is not None else None,
        availability=None
        if stock is None
        else {v.sku: stock[v.sku] for v in product.variants if v.sku in stock},
    )


def staff_browse_item(product: P.Product, listing: P.ChannelListing | None) -> StaffBrowseItem:
    return StaffBrowseItem(
        product=product_view(product),
        listing=staff_listing_view(listing) if listing is not None else None,
    )


class FeedRow(View):
    """One SKU of a partner's marketplace listing: a line of the JSON lines feed, or a row of the
    CSV feed (these columns, in this order). Prices are minor units of `currency`;
    `listing_version` grows with every change of the listing."""

    product_id: str
    sku: str
    slug: str
    name: str
    brand: str
    barcode: str
    published: bool
    currency: str
    price_minor: int
    sale_price_minor: int | None
    sale_starts_at: datetime | None
    sale_ends_at: datetime | None
    effective_price_minor: int
    image_url: str | None
    listing_version: int
    updated_at: datetime


def feed_rows(item: P.FeedItem) -> list[FeedRow]:
    """One row per variant SKU: what a marketplace needs to list and price it."""
    product, listing = item.product, item.listing
    texts = product.texts
    name = texts[product.default_language].name if product.default_language in texts else ""
    updated = max(listing.updated_at, product.updated_at, key=lambda t: t.ToNanoseconds())
    currency = listing.price.currency_code
    rows = []
    for variant in product.variants:
        media = list(variant.media) or list(product.media)
        # A variant with a price of its own in the listing's currency is fed at that price.
        terms: P.ChannelListing | P.ListingPrice = _own_price(listing, variant.sku) or listing
        sale = terms.sale_price.amount_minor if terms.HasField("sale_price") else None
        rows.append(
            FeedRow(
                product_id=product.id,
                sku=variant.sku,
                slug=product.slug,
                name=name,
                brand=product.brand,
                barcode=variant.barcode,
                published=listing.published,
                currency=currency,
                price_minor=terms.price.amount_minor,
                sale_price_minor=sale,
                sale_starts_at=when_set(terms, "sale_starts_at"),
                sale_ends_at=when_set(terms, "sale_ends_at"),
                effective_price_minor=_effective_minor(listing, variant.sku),
                image_url=media[0].url if media else None,
                listing_version=listing.version,
                updated_at=when(updated),
            )
        )
    return rows


def _own_price(listing: P.ChannelListing, sku: str) -> P.ListingPrice | None:
    currency = listing.price.currency_code
    return next(
        (e for e in listing.prices if e.sku == sku and e.price.currency_code == currency), None
    )


def _effective_minor(listing: P.ChannelListing, sku: str) -> int:
    currency = listing.price.currency_code
    for entry in listing.effective_prices:
        if entry.sku == sku and entry.price.currency_code == currency:
            return int(entry.price.amount_minor)
    return int(listing.effective_price.amount_minor)
