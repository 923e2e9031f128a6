"""Catalog resources as MongoDB documents and back.

The stored shape is the one the kit's protobuf mapping wrote (`omni_kit.protos.to_document`),
so documents need no migration: proto field names, `_id` for the id, integers as numbers, money
as `{amount_minor, currency_code}`, times as BSON dates, enums by their proto value name
(`PRODUCT_STATUS_ACTIVE`, `SALES_CHANNEL_WEB`, `MEDIA_KIND_IMAGE`), and every field at its
default value (empty, zero, false, unset) left out. Derived fields sit beside the resource
fields and are ignored when a document is read back."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any, TypeVar

from omni_catalog.domain.categories import Category
from omni_catalog.domain.channels import Channel, SalesChannel, channel_key
from omni_catalog.domain.listings import ChannelListing
from omni_catalog.domain.money import Money
from omni_catalog.domain.prices import ListingPrice
from omni_catalog.domain.products import (
    LocalizedText,
    Media,
    MediaKind,
    Product,
    ProductStatus,
    TaxClass,
    Variant,
)

# On the listings of a deleted product: the SKUs it had.
RETIRED = "retired_skus"
E = TypeVar("E", bound=Enum)
_PREFIXES: dict[type[Enum], str] = {
    ProductStatus: "PRODUCT_STATUS_",
    MediaKind: "MEDIA_KIND_",
    SalesChannel: "SALES_CHANNEL_",
    TaxClass: "TAX_CLASS_",
}


def stored_name(value: Enum) -> str:
    """An enum value as documents and their queries spell it (`PRODUCT_STATUS_ACTIVE`)."""
    return _PREFIXES[type(value)] + value.name


def product_document(product: Product) -> dict[str, Any]:
    return _present(
        _id=product.id,
        version=product.version,
        slug=product.slug,
        status=_enum(product.status),
        texts=_map({language: _text(text) for language, text in product.texts.items()}),
        default_language=product.default_language,
        brand=product.brand,
        category_ids=list(product.category_ids),
        attributes=_map(product.attributes),
        media=[_media(item) for item in product.media],
        variants=[_variant(variant) for variant in product.variants],
        created_at=product.created_at,
        updated_at=product.updated_at,
        tax_class=_enum(product.tax_class),
    )


def product_of(document: Mapping[str, Any]) -> Product:
    return Product(
        id=document.get("_id", ""),
        version=document.get("version", 0),
        slug=document.get("slug", ""),
        status=_enum_of(ProductStatus, document.get("status")),
        texts={
            language: LocalizedText(**text) for language, text in document.get("texts", {}).items()
        },
        default_language=document.get("default_language", ""),
        brand=document.get("brand", ""),
        category_ids=tuple(document.get("category_ids", ())),
        attributes=dict(document.get("attributes", {})),
        media=tuple(_media_of(item) for item in document.get("media", ())),
        variants=tuple(_variant_of(variant) for variant in document.get("variants", ())),
        created_at=document.get("created_at"),
        updated_at=document.get("updated_at"),
        tax_class=_enum_of(TaxClass, document.get("tax_class")),
    )


def category_document(category: Category) -> dict[str, Any]:
    return _present(
        _id=category.id,
        parent_id=category.parent_id,
        name=category.name,
        slug=category.slug,
        ancestor_ids=list(category.ancestor_ids),
        path=category.path,
        position=category.position,
        version=category.version,
        created_at=category.created_at,
        updated_at=category.updated_at,
    )


def category_of(document: Mapping[str, Any]) -> Category:
    return Category(
        id=document.get("_id", ""),
        parent_id=document.get("parent_id", ""),
        name=document.get("name", ""),
        slug=document.get("slug", ""),
        ancestor_ids=tuple(document.get("ancestor_ids", ())),
        path=document.get("path", ""),
        position=document.get("position", 0),
        version=document.get("version", 0),
        created_at=document.get("created_at"),
        updated_at=document.get("updated_at"),
    )


def listing_id(product_id: str, key: str) -> str:
    return f"{product_id}|{key}"


def listing_document(listing: ChannelListing) -> dict[str, Any]:
    key = channel_key(listing.channel)
    document = {"_id": listing_id(listing.product_id, key)}
    document |= _present(
        product_id=listing.product_id,
        channel=_present(
            channel=_enum(listing.channel.sales_channel), partner_id=listing.channel.partner_id
        ),
        published=listing.published,
        price=_money(listing.price),
        sale_price=_money(listing.sale_price),
        sale_starts_at=listing.sale_starts_at,
        sale_ends_at=listing.sale_ends_at,
        version=listing.version,
        created_at=listing.created_at,
        updated_at=listing.updated_at,
        published_at=listing.published_at,
        prices=[_price_document(entry) for entry in listing.prices],
    )
    document["channel_key"] = key
    return document


def _price_document(entry: ListingPrice) -> dict[str, Any]:
    return _present(
        sku=entry.sku,
        price=_money(entry.price),
        compare_at_price=_money(entry.compare_at_price),
        sale_price=_money(entry.sale_price),
        sale_starts_at=entry.sale_starts_at,
        sale_ends_at=entry.sale_ends_at,
    )


def _price_of(document: Mapping[str, Any]) -> ListingPrice:
    return ListingPrice(
        sku=document.get("sku", ""),
        price=_money_of(document.get("price")),
        compare_at_price=_money_of(document.get("compare_at_price")),
        sale_price=_money_of(document.get("sale_price")),
        sale_starts_at=document.get("sale_starts_at"),
        sale_ends_at=document.get("sale_ends_at"),
    )


def listing_of(document: Mapping[str, Any]) -> ChannelListing:
    channel = document.get("channel", {})
    return ChannelListing(
        product_id=document.get("product_id", ""),
        channel=Channel(
            _enum_of(SalesChannel, channel.get("channel")), channel.get("partner_id", "")
        ),
        published=document.get("published", False),
        price=_money_of(document.get("price")),
        sale_price=_money_of(document.get("sale_price")),
        sale_starts_at=document.get("sale_starts_at"),
        sale_ends_at=document.get("sale_ends_at"),
        version=document.get("version", 0),
        created_at=document.get("created_at"),
        updated_at=document.get("updated_at"),
        published_at=document.get("published_at"),
        # Listings stored before variant prices have none: the listing's price is the default.
        prices=tuple(_price_of(entry) for entry in document.get("prices", ())),
    )


def retired_product(listing: Mapping[str, Any]) -> Product:
    """What is left of a deleted product, from one of its tombstone listings."""
    return Product(
        id=listing["product_id"],
        status=ProductStatus.ARCHIVED,
        variants=tuple(Variant(sku=sku) for sku in listing[RETIRED]),
    )


def _variant(variant: Variant) -> dict[str, Any]:
    return _present(
        sku=variant.sku,
        attributes=_map(variant.attributes),
        barcode=variant.barcode,
        weight_grams=variant.weight_grams,
        media=[_media(item) for item in variant.media],
        length_mm=variant.length_mm,
        width_mm=variant.width_mm,
        height_mm=variant.height_mm,
    )


def _variant_of(document: Mapping[str, Any]) -> Variant:
    return Variant(
        sku=document.get("sku", ""),
        attributes=dict(document.get("attributes", {})),
        barcode=document.get("barcode", ""),
        weight_grams=document.get("weight_grams", 0),
        media=tuple(_media_of(item) for item in document.get("media", ())),
        length_mm=document.get("length_mm", 0),
        width_mm=document.get("width_mm", 0),
        height_mm=document.get("height_mm", 0),
    )


def _text(text: LocalizedText) -> dict[str, Any]:
    return _present(
        name=text.name, description=text.description, short_description=text.short_description
    )


def _media(media: Media) -> dict[str, Any]:
    return _present(url=media.url, alt_text=media.alt_text, kind=_enum(media.kind))


def _media_of(document: Mapping[str, Any]) -> Media:
    return Media(
        url=document.get("url", ""),
        alt_text=document.get("alt_text", ""),
        kind=_enum_of(MediaKind, document.get("kind")),
    )


def _money(money: Money | None) -> dict[str, Any] | None:
    if money is None:
        return None
    return _present(amount_minor=money.amount_minor, currency_code=money.currency)


def _money_of(document: Mapping[str, Any] | None) -> Money | None:
    if document is None:
        return None
    return Money(document.get("amount_minor", 0), document.get("currency_code", ""))


def _enum(value: Enum | None) -> str | None:
    return None if value is None else stored_name(value)


def _enum_of(kind: type[E], stored: str | None) -> E | None:
    if not stored:
        return None
    return kind[stored.removeprefix(_PREFIXES[kind])]


def _map(values: Mapping[str, Any]) -> dict[str, Any] | None:
    return dict(values) or None


def _present(**fields: Any) -> dict[str, Any]:
    """The fields not at their default: unset (None), empty, zero and false are left out. A
    nested document that is set stays, even when empty (a map that is empty is None here)."""
    return {name: value for name, value in fields.items() if value is not None and _set(value)}


def _set(value: Any) -> bool:
    if isinstance(value, dict):
        return True
    if isinstance(value, list):
        return bool(value)
    return value not in ("", 0, False)
