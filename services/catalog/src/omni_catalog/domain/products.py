"""What a valid product is, and which of its fields an update may change."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from urllib.parse import urlsplit

from omni_kit.errors import InvalidArgument

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SKU = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
LANGUAGE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
# Attribute keys become document paths, so no '.' or '$'.
ATTRIBUTE_KEY = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_SLUG = 120
MAX_NAME = 300
MAX_VALUE = 300

UPDATABLE = (
    "slug",
    "status",
    "texts",
    "default_language",
    "brand",
    "category_ids",
    "attributes",
    "media",
    "variants",
    "tax_class",
)
READ_ONLY = ("id", "version", "created_at", "updated_at")


class ProductStatus(Enum):
    # Being prepared; cannot be published.
    DRAFT = "draft"
    ACTIVE = "active"
    # No longer sold; kept for orders and history.
    ARCHIVED = "archived"


class TaxClass(Enum):
    """The rate class a product is taxed at; the rates per country live with the orders."""

    STANDARD = "standard"
    REDUCED = "reduced"
    SUPER_REDUCED = "super_reduced"
    ZERO = "zero"


class MediaKind(Enum):
    IMAGE = "image"
    VIDEO = "video"
    DOCUMENT = "document"


@dataclass(frozen=True)
class LocalizedText:
    name: str = ""
    description: str = ""
    short_description: str = ""


@dataclass(frozen=True)
class Media:
    url: str = ""
    alt_text: str = ""
    kind: MediaKind | None = None


@dataclass(frozen=True)
class Variant:
    sku: str = ""
    attributes: Mapping[str, str] = dataclasses.field(default_factory=dict)
    barcode: str = ""
    # Packed weight and sides, 0 when not known (see validate_package).
    weight_grams: int = 0
    media: tuple[Media, ...] = ()
    length_mm: int = 0
    width_mm: int = 0
    height_mm: int = 0


@dataclass(frozen=True)
class Product:
    """A product as the catalog keeps it. A request's partial product (an update's changes) is
    one too, so every field has a default; `validate_product` says whether it may be stored."""

    id: str = ""
    version: int = 0
    slug: str = ""
    status: ProductStatus | None = None
    # Keyed by BCP 47 language tag.
    texts: Mapping[str, LocalizedText] = dataclasses.field(default_factory=dict)
    default_language: str = ""
    brand: str = ""
    category_ids: tuple[str, ...] = ()
    attributes: Mapping[str, str] = dataclasses.field(default_factory=dict)
    media: tuple[Media, ...] = ()
    variants: tuple[Variant, ...] = ()
    created_at: datetime | None = None
    updated_at: datetime | None = None
    # None: standard.
    tax_class: TaxClass | None = None


def validate_product(product: Product, field: str = "product") -> None:
    """Every rule a stored product keeps; checked on create and after every update."""
    validate_slug(product.slug, f"{field}.slug")
    if product.status is None:
        raise InvalidArgument("status is required", field=f"{field}.status")
    _validate_texts(product.default_language, product.texts, field)
    validate_attributes(product.attributes, f"{field}.attributes")
    validate_media(product.media, f"{field}.media")
    _validate_categories(product.category_ids, f"{field}.category_ids")
    _validate_variants(product.variants, f"{field}.variants")


MAX_WEIGHT_GRAMS = 1_000_000  # a tonne: anything heavier is a freight, not a parcel
MAX_SIDE_MM = 10_000


def validate_package(variant: Variant, field: str) -> None:
    """Weight in grams and sides in millimetres, as carriers quote them: positive and sane, or
    unset (0); the three sides together or not at all."""
    if not 0 <= variant.weight_grams <= MAX_WEIGHT_GRAMS:
        raise InvalidArgument(
            f"weight_grams is the packed weight in grams: 1 to {MAX_WEIGHT_GRAMS:,}, or 0 when "
            f"not known (got {variant.weight_grams})",
            field=f"{field}.weight_grams",
        )
    sides = {
        "length_mm": variant.length_mm,
        "width_mm": variant.width_mm,
        "height_mm": variant.height_mm,
    }
    for name, value in sides.items():
        if not 0 <= value <= MAX_SIDE_MM:
            raise InvalidArgument(
                f"{name} is a packed side in millimetres: 1 to {MAX_SIDE_MM:,}, or 0 when not "
                f"known (got {value})",
                field=f"{field}.{name}",
            )
    given = [name for name, value in sides.items() if value]
    if given and len(given) != len(sides):
        missing = next(name for name in sides if name not in given)
        raise InvalidArgument(
            "give length_mm, width_mm and height_mm together (or none of them)",
            field=f"{field}.{missing}",
        )


def validate_slug(slug: str, field: str) -> None:
    if not slug:
        raise InvalidArgument("slug is required", field=field)
    if len(slug) > MAX_SLUG or not SLUG.match(slug):
        raise InvalidArgument(
            f"slug {slug!r} must be lower-case letters and digits joined by single hyphens "
            f"(at most {MAX_SLUG} characters)",
            reason="INVALID_SLUG",
            field=field,
        )


def validate_attributes(attributes: Mapping[str, str], field: str) -> None:
    for key, value in attributes.items():
        if not ATTRIBUTE_KEY.match(key):
            raise InvalidArgument(
                f"attribute name {key!r} must be 1-64 letters, digits, '_' or '-'",
                field=f"{field}[{key}]",
            )
        if not value or len(value) > MAX_VALUE:
            raise InvalidArgument(
                f"attribute {key!r} needs a value of 1-{MAX_VALUE} characters",
                field=f"{field}[{key}]",
            )


def validate_media(media: Sequence[Media], field: str) -> None:
    for index, item in enumerate(media):
        parts = urlsplit(item.url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise InvalidArgument(
                f"media URL {item.url!r} must be an absolute http or https URL",
                reason="INVALID_MEDIA_URL",
                field=f"{field}[{index}].url",
            )


def skus(product: Product) -> list[str]:
    return [variant.sku for variant in product.variants]


def name(product: Product, language: str = "") -> str:
    """The product name in `language`, else in its default language."""
    texts = product.texts
    if language in texts and texts[language].name:
        return texts[language].name
    return texts[product.default_language].name if product.default_language in texts else ""


def _validate_texts(default_language: str, texts: Mapping[str, LocalizedText], field: str) -> None:
    if not default_language:
        raise InvalidArgument("default_language is required", field=f"{field}.default_language")
    if not LANGUAGE.match(default_language):
        raise InvalidArgument(
            f"default_language {default_language!r} must be a language tag such as 'en' or 'pt-BR'",
            field=f"{field}.default_language",
        )
    if default_language not in texts:
        raise InvalidArgument(
            f"texts must include the default language {default_language!r}",
            field=f"{field}.texts",
        )
    for language, text in texts.items():
        if not LANGUAGE.match(language):
            raise InvalidArgument(
                f"{language!r} is not a language tag such as 'en' or 'pt-BR'",
                field=f"{field}.texts[{language}]",
            )
        if not text.name.strip() or len(text.name) > MAX_NAME:
            raise InvalidArgument(
                f"the {language!r} text needs a name of 1-{MAX_NAME} characters",
                field=f"{field}.texts[{language}].name",
            )


def _validate_categories(category_ids: Sequence[str], field: str) -> None:
    seen: set[str] = set()
    for index, category_id in enumerate(category_ids):
        if not category_id:
            raise InvalidArgument("category id must not be empty", field=f"{field}[{index}]")
        if category_id in seen:
            raise InvalidArgument(
                f"category {category_id!r} is listed twice", field=f"{field}[{index}]"
            )
        seen.add(category_id)


def _validate_variants(variants: Sequence[Variant], field: str) -> None:
    if not variants:
        raise InvalidArgument("a product needs at least one variant", field=field)
    seen: set[str] = set()
    for index, variant in enumerate(variants):
        if not SKU.match(variant.sku):
            raise InvalidArgument(
                f"SKU {variant.sku!r} must be 1-64 letters, digits, '.', '_' or '-'",
                reason="INVALID_SKU",
                field=f"{field}[{index}].sku",
            )
        if variant.sku in seen:
            raise InvalidArgument(
                f"SKU {variant.sku!r} appears twice in this product",
                reason="DUPLICATE_SKU",
                field=field,
                metadata={"sku": variant.sku},
            )
        seen.add(variant.sku)
        validate_package(variant, f"{field}[{index}]")
        validate_attributes(variant.attributes, f"{field}[{index}].attributes")
        validate_media(variant.media, f"{field}[{index}].media")
