"""Staff give a variant its packed weight and size through the gateway; impossible values are
422 naming the field, and nothing is stored."""

from __future__ import annotations


def mug(**package: int) -> dict:
    return {
        "slug": "mug",
        "status": "active",
        "default_language": "en",
        "texts": {"en": {"name": "Mug"}},
        "variants": [{"sku": "MUG-1", **package}],
    }


async def test_weight_and_size_are_kept_and_impossible_ones_refused(stack):
    admin = await stack.admin()
    too_heavy = await stack.http.post(
        "/staff/v1/catalog/products", json=mug(weight_grams=2_000_000), headers=admin
    )
    assert too_heavy.status_code == 422, too_heavy.text
    assert too_heavy.json()["errors"][0]["field"] == "variants[0].weight_grams"
    two_sides = await stack.http.post(
        "/staff/v1/catalog/products", json=mug(length_mm=120, width_mm=90), headers=admin
    )
    assert two_sides.status_code == 422, two_sides.text
    assert two_sides.json()["errors"][0]["field"] == "variants[0].height_mm"
    too_long = await stack.http.post(
        "/staff/v1/catalog/products",
        json=mug(length_mm=20_000, width_mm=1, height_mm=1),
        headers=admin,
    )
    assert too_long.status_code == 422  # the schema's bound, before the catalog is asked

    created = await stack.http.post(
        "/staff/v1/catalog/products",
        json=mug(weight_grams=350, length_mm=120, width_mm=90, height_mm=110),
        headers=admin,
    )
    assert created.status_code == 201, created.text
    variant = created.json()["variants"][0]
    assert (variant["weight_grams"], variant["length_mm"], variant["width_mm"]) == (350, 120, 90)
    assert variant["height_mm"] == 110
    read = await stack.http.get(f"/staff/v1/catalog/products/{created.json()['id']}", headers=admin)
    assert read.json()["variants"][0]["height_mm"] == 110
