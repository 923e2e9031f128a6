"""The API edge: catalog messages (the gRPC contract) to domain types and back.

Requests become domain values here (an enum value this code does not know is refused naming
its field); responses and event payloads are built here from domain values. The output-only
`effective_price` of a listing is worked out for the moment a response is made."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Any, TypeVar

from google.protobuf.timestamp_pb2 import Timestamp

from omni.catalog.v1 import catalog_pb2
from omni.common.v1 import common_pb2
from omni_catalog.domain.browse import Facets, ProductSort, Wanted
from omni_catalog.domain.categories import Category
from omni_catalog.domain.channels import Channel, SalesChannel
from omni_catalog.domain.listings import (
    ChannelListing,
    effective_price,
    effective_prices,
    price_for,
)
from omni_catalog.domain.money import Money
from omni_catalog.domain.prices import ListingPrice, Price
from omni_catalog.domain.products import (
    LocalizedText,
    Media,
    MediaKind,
    Product,
    ProductStatus,
    TaxClass,
    Variant,
    name,
)
from omni_catalog.domain.promotions import Discount
from omni_kit.errors import InvalidArgument
from omni_kit.protos import from_timestamp, to_timestamp

if TYPE_CHECKING:  # the generic wrapper generated enum stubs declare as their metaclass
    from google.protobuf.internal.enum_type_wrapper import _EnumTypeWrapper

E = TypeVar("E", bound=Enum)


# --- requests: message -> domain -------------------------------------------------------------


def product_from(message: catalog_pb2.Product, field: str = "product") -> Product:
    return Product(
        id=message.id,
        version=message.version,
        slug=message.slug,
        status=enum_from(
            ProductStatus, catalog_pb2.ProductStatus, message.status, f"{field}.status"
        ),
        texts={
            language: LocalizedText(text.name, text.description, text.short_description)
            for language, text in message.texts.items()
        },
        default_language=message.default_language,
        brand=message.brand,
        category_ids=tuple(message.category_ids),
        attributes=dict(message.attributes),
        media=_media_from(message.media, f"{field}.media"),
        variants=tuple(
            _variant_from(variant, f"{field}.variants[{index}]")
            for index, variant in enumerate(message.variants)
        ),
        created_at=_time_from(message, "created_at"),
        updated_at=_time_from(message, "updated_at"),
        tax_class=enum_from(TaxClass, common_pb2.TaxClass, message.tax_class, f"{field}.tax_class"),
    )


def category_from(message: catalog_pb2.Category) -> Category:
    return Category(
        id=message.id,
        parent_id=message.parent_id,
        name=message.name,
        slug=message.slug,
        ancestor_ids=tuple(message.ancestor_ids),
        path=message.path,
        position=message.position,
        version=message.version,
        created_at=_time_from(message, "created_at"),
        updated_at=_time_from(message, "updated_at"),
    )


def listing_from(message: catalog_pb2.ChannelListing, field: str = "listing") -> ChannelListing:
    """A listing as given; its output-only effective_price is not part of it."""
    return ChannelListing(
        product_id=message.product_id,
        channel=channel_from(message.channel, f"{field}.channel"),
        published=message.published,
        price=money_from(message.price) if message.HasField("price") else None,
        sale_price=money_from(message.sale_price) if message.HasField("sale_price") else None,
        sale_starts_at=_time_from(message, "sale_starts_at"),
        sale_ends_at=_time_from(message, "sale_ends_at"),
        version=message.version,
        created_at=_time_from(message, "created_at"),
        updated_at=_time_from(message, "updated_at"),
        published_at=_time_from(message, "published_at"),
        prices=tuple(_listing_price_from(entry) for entry in message.prices),
    )


def _listing_price_from(message: catalog_pb2.ListingPrice) -> ListingPrice:
    return ListingPrice(
        sku=message.sku,
        price=money_from(message.price) if message.HasField("price") else None,
        compare_at_price=(
            money_from(message.compare_at_price) if message.HasField("compare_at_price") else None
        ),
        sale_price=money_from(message.sale_price) if message.HasField("sale_price") else None,
        sale_starts_at=_time_from(message, "sale_starts_at"),
        sale_ends_at=_time_from(message, "sale_ends_at"),
    )


def _listing_price_message(entry: ListingPrice) -> catalog_pb2.ListingPrice:
    return catalog_pb2.ListingPrice(
        sku=entry.sku,
        price=_money_or_none(entry.price),
        compare_at_price=_money_or_none(entry.compare_at_price),
        sale_price=_money_or_none(entry.sale_price),
        sale_starts_at=_stamp(entry.sale_starts_at),
        sale_ends_at=_stamp(entry.sale_ends_at),
    )


def discounts_from(message: catalog_pb2.ChannelListing) -> tuple[Discount, ...]:
    """The promotions a listing message the catalog itself wrote carries (never taken from a
    caller: `listing_from` leaves them out)."""
    return tuple(
        Discount(d.percentage_basis_points, from_timestamp(d.starts_at), from_timestamp(d.ends_at))
        for d in message.discounts
    )


def effective_price_message(sku: str, price: Price) -> catalog_pb2.EffectivePrice:
    was = price.compare_at_minor
    return catalog_pb2.EffectivePrice(
        sku=sku,
        price=money_message(price.money),
        compare_at_price=None if was is None else money_message(Money(was, price.currency)),
        on_sale=price.on_sale,
    )


def channel_from(ref: common_pb2.ChannelRef, field: str = "channel") -> Channel:
    """The channel a listing is on: its store_id plays no part."""
    sales_channel = enum_from(
        SalesChannel, common_pb2.SalesChannel, ref.channel, f"{field}.channel"
    )
    return Channel(sales_channel, ref.partner_id)


def money_from(message: common_pb2.Money) -> Money:
    return Money(message.amount_minor, message.currency_code)


def wanted_from(request: catalog_pb2.ListProductsRequest) -> Wanted:
    return Wanted(
        channel=channel_from(request.channel) if request.HasField("channel") else None,
        include_unpublished=request.include_unpublished,
        category_id=request.category_id,
        include_subcategories=request.include_subcategories,
        attribute_filters=[(item.key, list(item.values)) for item in request.attribute_filters],
        min_price=money_from(request.min_price) if request.HasField("min_price") else None,
        max_price=money_from(request.max_price) if request.HasField("max_price") else None,
        query=request.query,
        sort=enum_from(ProductSort, catalog_pb2.ProductSort, request.sort, "sort"),
        language=request.language,
        statuses=[_status(number, f"statuses[{i}]") for i, number in enumerate(request.statuses)],
        include_facets=request.include_facets,
    )


def enum_from(kind: type[E], values: _EnumTypeWrapper[Any], number: int, field: str) -> E | None:
    """The domain value of a message enum (None for its *_UNSPECIFIED zero)."""
    if number == 0:
        return None
    prefix = values.Name(0).removesuffix("UNSPECIFIED")
    try:
        return kind[values.Name(number).removeprefix(prefix)]
    except (ValueError, KeyError):
        raise InvalidArgument(f"{field} {number} is not a known value", field=field) from None


# --- responses and events: domain -> message -------------------------------------------------


def product_message(product: Product) -> catalog_pb2.Product:
    return catalog_pb2.Product(
        id=product.id,
        version=product.version,
        slug=product.slug,
        status=_enum_number(catalog_pb2.ProductStatus, product.status),
        texts={
            language: catalog_pb2.LocalizedText(
                name=text.name,
                description=text.description,
                short_description=text.short_description,
            )
            for language, text in product.texts.items()
        },
        default_language=product.default_language,
        brand=product.brand,
        category_ids=product.category_ids,
        attributes=product.attributes,
        media=[_media_message(item) for item in product.media],
        variants=[_variant_message(variant) for variant in product.variants],
        created_at=_stamp(product.created_at),
        updated_at=_stamp(product.updated_at),
        tax_class=_enum_number(common_pb2.TaxClass, product.tax_class),
    )


def category_message(category: Category) -> catalog_pb2.Category:
    return catalog_pb2.Category(
        id=category.id,
        parent_id=category.parent_id,
        name=category.name,
        slug=category.slug,
        ancestor_ids=category.ancestor_ids,
        path=category.path,
        position=category.position,
        version=category.version,
        created_at=_stamp(category.created_at),
        updated_at=_stamp(category.updated_at),
    )


def listing_message(
    listing: ChannelListing, at: datetime | None = None
) -> catalog_pb2.ChannelListing:
    """The listing as sent; with `at`, with the price in force then (responses), without it
    as stored (event payloads)."""
    message = catalog_pb2.ChannelListing(
        product_id=listing.product_id,
        channel=channel_ref(listing.channel),
        published=listing.published,
        price=_money_or_none(listing.price),
        sale_price=_money_or_none(listing.sale_price),
        sale_starts_at=_stamp(listing.sale_starts_at),
        sale_ends_at=_stamp(listing.sale_ends_at),
        version=listing.version,
        created_at=_stamp(listing.created_at),
        updated_at=_stamp(listing.updated_at),
        published_at=_stamp(listing.published_at),
        prices=[_listing_price_message(entry) for entry in listing.prices],
        discounts=[
            catalog_pb2.ListingDiscount(
                percentage_basis_points=d.basis_points,
                starts_at=to_timestamp(d.starts_at),
                ends_at=to_timestamp(d.ends_at),
            )
            for d in listing.discounts
        ],
    )
    if at is not None:
        message.effective_price.CopyFrom(money_message(effective_price(listing, at).money))
        message.effective_prices.extend(
            effective_price_message(sku, price) for sku, price in effective_prices(listing, at)
        )
    return message


def status_name(status: ProductStatus | None) -> str:
    """A status as messages and texts spell it (`PRODUCT_STATUS_ACTIVE`)."""
    return catalog_pb2.ProductStatus.Name(_enum_number(catalog_pb2.ProductStatus, status))


def facets_message(facets: Facets) -> catalog_pb2.ProductFacets:
    message = catalog_pb2.ProductFacets(counted=facets.counted, complete=facets.complete)
    for value, count in facets.categories:
        message.categories.add(value=value, count=count)
    for key, counts in facets.attributes:
        facet = message.attributes.add(key=key)
        for value, count in counts:
            facet.values.add(value=value, count=count)
    for band in facets.price_bands:
        message.price_bands.add(
            min=money_message(band.min), max=_money_or_none(band.max), count=band.count
        )
    return message


def channel_ref(channel: Channel) -> common_pb2.ChannelRef:
    return common_pb2.ChannelRef(
        channel=_enum_number(common_pb2.SalesChannel, channel.sales_channel),
        partner_id=channel.partner_id,
    )


def money_message(money: Money) -> common_pb2.Money:
    return common_pb2.Money(amount_minor=money.amount_minor, currency_code=money.currency)


def sku_price_message(
    sku: str, product: Product, listing: ChannelListing, at: datetime, currency: str = ""
) -> catalog_pb2.SkuPrice:
    """The SKU's price in force in `currency` (the listing's price when not priced in it)."""
    price = (currency and price_for(listing, sku, currency, at)) or effective_price(listing, at)
    variant = next((v for v in product.variants if v.sku == sku), Variant())
    return catalog_pb2.SkuPrice(
        sku=sku,
        product_id=product.id,
        effective_price=money_message(price.money),
        list_price=_money_or_none(listing.price),
        on_sale=price.on_sale,
        published=listing.published and product.status is ProductStatus.ACTIVE,
        listing_version=listing.version,
        product_name=name(product),
        weight_grams=variant.weight_grams,
        length_mm=variant.length_mm,
        width_mm=variant.width_mm,
        height_mm=variant.height_mm,
        tax_class=_tax_class_number(product),
        category_ids=list(product.category_ids),
    )


def _tax_class_number(product: Product) -> Any:
    return _enum_number(common_pb2.TaxClass, product.tax_class or TaxClass.STANDARD)


class Wire:
    """What the browse read model keeps of a product and a listing: their messages, encoded,
    so a page is answered without building them again."""

    @staticmethod
    def product(product: Product) -> bytes:
        return product_message(product).SerializeToString()

    @staticmethod
    def listing(listing: ChannelListing) -> bytes:
        return listing_message(listing).SerializeToString()


def _variant_from(message: catalog_pb2.Variant, field: str) -> Variant:
    return Variant(
        sku=message.sku,
        attributes=dict(message.attributes),
        barcode=message.barcode,
        weight_grams=message.weight_grams,
        media=_media_from(message.media, f"{field}.media"),
        length_mm=message.length_mm,
        width_mm=message.width_mm,
        height_mm=message.height_mm,
    )


def _variant_message(variant: Variant) -> catalog_pb2.Variant:
    return catalog_pb2.Variant(
        sku=variant.sku,
        attributes=variant.attributes,
        barcode=variant.barcode,
        weight_grams=variant.weight_grams,
        media=[_media_message(item) for item in variant.media],
        length_mm=variant.length_mm,
        width_mm=variant.width_mm,
        height_mm=variant.height_mm,
    )


def _media_from(media: Sequence[catalog_pb2.Media], field: str) -> tuple[Media, ...]:
    return tuple(
        Media(
            item.url,
            item.alt_text,
            enum_from(MediaKind, catalog_pb2.MediaKind, item.kind, f"{field}[{index}].kind"),
        )
        for index, item in enumerate(media)
    )


def _media_message(media: Media) -> catalog_pb2.Media:
    return catalog_pb2.Media(
        url=media.url, alt_text=media.alt_text, kind=_enum_number(catalog_pb2.MediaKind, media.kind)
    )


def _status(number: int, field: str) -> ProductStatus:
    status = enum_from(ProductStatus, catalog_pb2.ProductStatus, number, field)
    if status is None:
        raise InvalidArgument(f"unknown status {number}", field=field)
    return status


def _enum_number(values: _EnumTypeWrapper[Any], value: Enum | None) -> Any:
    if value is None:
        return 0
    return values.Value(values.Name(0).removesuffix("UNSPECIFIED") + value.name)


def _money_or_none(money: Money | None) -> common_pb2.Money | None:
    return None if money is None else money_message(money)


def _time_from(message: Any, name: str) -> datetime | None:
    return from_timestamp(getattr(message, name)) if message.HasField(name) else None


def _stamp(moment: datetime | None) -> Timestamp | None:
    return to_timestamp(moment)
