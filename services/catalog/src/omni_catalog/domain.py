"""Catalog rules: what a valid product is. Pure: no I/O, no framework."""

from __future__ import annotations

import re
from collections.abc import Iterable

from omni_kit.errors import InvalidArgument

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SKU = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def validate_new_product(
    slug: str, default_language: str, languages: Iterable[str], skus: list[str]
) -> None:
    if not SLUG.match(slug):
        raise InvalidArgument(
            f"slug {slug!r} must be lower-case letters, digits and single hyphens",
            field="product.slug",
        )
    if not default_language:
        raise InvalidArgument("default_language is required", field="product.default_language")
    if default_language not in set(languages):
        raise InvalidArgument(
            f"texts must include the default language {default_language!r}",
            field="product.texts",
        )
    if not skus:
        raise InvalidArgument("a product needs at least one variant", field="product.variants")
    for index, sku in enumerate(skus):
        if not SKU.match(sku):
            raise InvalidArgument(
                f"SKU {sku!r} must be 1-64 letters, digits, '.', '_' or '-'",
                field=f"product.variants[{index}].sku",
            )
    duplicates = sorted({sku for sku in skus if skus.count(sku) > 1})
    if duplicates:
        raise InvalidArgument(
            f"SKU {duplicates[0]!r} appears twice in this product", field="product.variants"
        )
