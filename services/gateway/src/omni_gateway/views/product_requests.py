"""What staff send to make and change products, listings and categories, as internal messages.

A change (PATCH) names only the fields it changes (its update mask); `version` is the version
read, for a caller that does not send If-Match."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from msgspec import UNSET, UnsetType

from omni.catalog.v1 import catalog_pb2 as P
from omni_gateway.views.common import (
    INT64_MAX,
    Money,
    View,
    named_fields,
    or_default,
    to_proto_money,
)
from omni_gateway.views.product import (
    MEDIA_KIND,
    PRODUCT_STATUS,
    Attributes,
    Key,
    Language,
    ListingPrice,
    Media,
    ProductStatus,
    ProductText,
    Short,
    Variant,
)
from omni_gateway.views.tax import TAX_CLASS, TaxClass
from omni_kit.protos import to_timestamp

Slug = Annotated[str, msgspec.Meta(max_length=200)]
Moment = Annotated[datetime, msgspec.Meta(tz=True)]
Version = Annotated[int, msgspec.Meta(ge=1, le=INT64_MAX)]
Texts = Annotated[dict[Language, ProductText], msgspec.Meta(max_length=50)]
Ids = Annotated[list[Key], msgspec.Meta(max_length=50)]
MediaList = Annotated[list[Media], msgspec.Meta(max_length=50)]
Variants = Annotated[list[Variant], msgspec.Meta(max_length=200)]
Prices = Annotated[list[ListingPrice], msgspec.Meta(max_length=1000)]


class NewProduct(View):
    """A new product; without a status it is a draft."""

    slug: Slug
    texts: Texts
    default_language: Language
    status: ProductStatus = ProductStatus.DRAFT
    brand: Short = ""
    category_ids: Ids = []
    attributes: Attributes = {}
    media: MediaList = []
    variants: Variants = []
    tax_class: TaxClass = TaxClass.STANDARD


class ProductChanges(View):
    slug: Slug | UnsetType = UNSET
    status: ProductStatus | UnsetType = UNSET
    texts: Texts | UnsetType = UNSET
    default_language: Language | UnsetType = UNSET
    brand: Short | UnsetType = UNSET
    category_ids: Ids | UnsetType = UNSET
    attributes: Attributes | UnsetType = UNSET
    media: MediaList | UnsetType = UNSET
    variants: Variants | UnsetType = UNSET
    tax_class: TaxClass | UnsetType = UNSET
    version: Version | UnsetType = UNSET


class NewListing(View):
    """A product's listing on a channel: replaces the one there when If-Match (or `version`) names
    it, else creates it."""

    price: Money
    published: bool = False
    sale_price: Money | None = None
    sale_starts_at: Moment | None = None
    sale_ends_at: Moment | None = None
    prices: Prices = []
    version: Version | None = None


class ListingChanges(View):
    """A listing's price, sale or published flag; null clears a sale price or window bound."""

    price: Money | UnsetType = UNSET
    published: bool | UnsetType = UNSET
    sale_price: Money | UnsetType | None = UNSET
    sale_starts_at: Moment | UnsetType | None = UNSET
    sale_ends_at: Moment | UnsetType | None = UNSET
    prices: Prices | UnsetType = UNSET
    version: Version | UnsetType = UNSET


class NewCategory(View):
    name: Short
    slug: Slug
    parent_id: Annotated[str, msgspec.Meta(max_length=64)] = ""
    position: Annotated[int, msgspec.Meta(ge=0, le=1_000_000)] = 0


class CategoryChanges(View):
    """Rename, re-slug, reorder or move a category (its subtree moves along)."""

    name: Short | UnsetType = UNSET
    slug: Slug | UnsetType = UNSET
    parent_id: Annotated[str, msgspec.Meta(max_length=64)] | UnsetType = UNSET
    position: Annotated[int, msgspec.Meta(ge=0, le=1_000_000)] | UnsetType = UNSET
    version: Version | UnsetType = UNSET


# Mapping: request bodies to internal messages.


def _media_message(item: Media) -> P.Media:
    return P.Media(url=item.url, alt_text=item.alt_text, kind=MEDIA_KIND.number(item.kind))


def product_message(body: NewProduct | ProductChanges) -> tuple[P.Product, list[str]]:
    """The product a body describes, and the fields it names."""
    status = or_default(body.status, None)
    product = P.Product(
        slug=or_default(body.slug, ""),
        status=PRODUCT_STATUS.number(status) if status else P.PRODUCT_STATUS_UNSPECIFIED,
        texts={
            language: P.LocalizedText(
                name=text.name,
                description=text.description,
                short_description=text.short_description,
            )
            for language, text in or_default(body.texts, {}).items()
        },
        default_language=or_default(body.default_language, ""),
        brand=or_default(body.brand, ""),
        category_ids=or_default(body.category_ids, []),
        attributes=or_default(body.attributes, {}),
        media=[_media_message(item) for item in or_default(body.media, [])],
        variants=[
            P.Variant(
                sku=variant.sku,
                attributes=variant.attributes,
                barcode=variant.barcode,
                weight_grams=variant.weight_grams,
                media=[_media_message(item) for item in variant.media],
                length_mm=variant.length_mm,
                width_mm=variant.width_mm,
                height_mm=variant.height_mm,
            )
            for variant in or_default(body.variants, [])
        ],
        tax_class=TAX_CLASS.number(or_default(body.tax_class, TaxClass.STANDARD)),
    )
    return product, named_fields(body)


def listing_message(body: NewListing | ListingChanges) -> tuple[P.ChannelListing, list[str]]:
    """The listing a body describes (without product and channel), and the fields it names."""
    listing = P.ChannelListing(
        published=or_default(body.published, False),
        price=to_proto_money(or_default(body.price, None)),
        sale_price=to_proto_money(or_default(body.sale_price, None)),
        sale_starts_at=to_timestamp(or_default(body.sale_starts_at, None)),
        sale_ends_at=to_timestamp(or_default(body.sale_ends_at, None)),
        prices=[_listing_price_message(entry) for entry in or_default(body.prices, [])],
    )
    return listing, named_fields(body)


def _listing_price_message(entry: ListingPrice) -> P.ListingPrice:
    return P.ListingPrice(
        sku=entry.sku or "",
        price=to_proto_money(entry.price),
        compare_at_price=to_proto_money(entry.compare_at_price),
        sale_price=to_proto_money(entry.sale_price),
        sale_starts_at=to_timestamp(entry.sale_starts_at),
        sale_ends_at=to_timestamp(entry.sale_ends_at),
    )


def category_message(body: NewCategory | CategoryChanges) -> tuple[P.Category, list[str]]:
    category = P.Category(
        name=or_default(body.name, ""),
        slug=or_default(body.slug, ""),
        parent_id=or_default(body.parent_id, ""),
        position=or_default(body.position, 0),
    )
    return category, named_fields(body)
