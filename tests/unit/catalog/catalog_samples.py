"""Catalog messages with every field set, as the unit tests of the mappings use them."""

from __future__ import annotations

from datetime import UTC, datetime

from omni.catalog.v1 import catalog_pb2
from omni_kit.protos import to_timestamp

# The store keeps milliseconds.
T0 = datetime(2026, 3, 1, 12, 30, 5, 123000, tzinfo=UTC)
T1 = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)


def full_product() -> catalog_pb2.Product:
    return catalog_pb2.Product(
        id="prod_1",
        version=7,
        slug="rain-boot",
        status=catalog_pb2.PRODUCT_STATUS_ACTIVE,
        texts={
            "en": catalog_pb2.LocalizedText(
                name="Rain boot", description="# Dry", short_description="Dry feet"
            ),
            "pl": catalog_pb2.LocalizedText(name="Kalosz"),
            "de": catalog_pb2.LocalizedText(),
        },
        default_language="en",
        brand="Nordic",
        category_ids=["cat_a", "cat_b"],
        attributes={"material": "rubber"},
        media=[
            catalog_pb2.Media(url="https://cdn/a.jpg", alt_text="A", kind=1),
            catalog_pb2.Media(url="https://cdn/b.pdf", kind=catalog_pb2.MEDIA_KIND_DOCUMENT),
        ],
        variants=[
            catalog_pb2.Variant(
                sku="RB-42",
                attributes={"size": "42"},
                barcode="5901234123457",
                weight_grams=900,
                media=[catalog_pb2.Media(url="https://cdn/c.jpg")],
                length_mm=320,
                width_mm=120,
                height_mm=110,
            ),
            catalog_pb2.Variant(sku="RB-43"),
        ],
        created_at=to_timestamp(T0),
        updated_at=to_timestamp(T1),
    )
