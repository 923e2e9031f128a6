"""A variant's packed weight (grams) and size (millimetres), as carriers quote them: positive
and sane, or not known; refused naming the field otherwise."""

from __future__ import annotations

import pytest

from omni_catalog.domain import products
from omni_catalog.domain.products import LocalizedText, Product, ProductStatus, Variant
from omni_kit.errors import InvalidArgument


def product(**package: int) -> Product:
    return Product(
        slug="mug",
        status=ProductStatus.ACTIVE,
        default_language="en",
        texts={"en": LocalizedText(name="Mug")},
        variants=(Variant(sku="MUG-1", **package),),
    )


@pytest.mark.parametrize(
    "package",
    [
        {},
        {"weight_grams": 350},
        {"weight_grams": 1_000_000, "length_mm": 10_000, "width_mm": 1, "height_mm": 1},
        {"length_mm": 120, "width_mm": 90, "height_mm": 110},
    ],
)
def test_sane_packages_and_unknown_ones_are_taken(package):
    products.validate_product(product(**package))


@pytest.mark.parametrize(
    ("package", "field", "words"),
    [
        ({"weight_grams": -1}, "weight_grams", "grams"),
        ({"weight_grams": 1_000_001}, "weight_grams", "1 to 1,000,000"),
        ({"length_mm": 10_001, "width_mm": 1, "height_mm": 1}, "length_mm", "millimetres"),
        ({"length_mm": 100, "width_mm": -5, "height_mm": 1}, "width_mm", "millimetres"),
        ({"length_mm": 100, "width_mm": 50}, "height_mm", "together"),
    ],
)
def test_impossible_packages_are_refused_naming_the_field(package, field, words):
    with pytest.raises(InvalidArgument) as refused:
        products.validate_product(product(**package))
    assert refused.value.field == f"product.variants[0].{field}"
    assert words in refused.value.message
