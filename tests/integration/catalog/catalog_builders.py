"""Builders for catalog test data."""

from __future__ import annotations

from typing import Any

from omni.catalog.v1 import catalog_pb2
from omni.common.v1 import common_pb2

WEB = common_pb2.ChannelRef(channel=common_pb2.SALES_CHANNEL_WEB)
APP = common_pb2.ChannelRef(channel=common_pb2.SALES_CHANNEL_APP)


def eur(amount: int) -> common_pb2.Money:
    return common_pb2.Money(amount_minor=amount, currency_code="EUR")


def product(
    slug: str = "linen-shirt",
    skus: tuple[str, ...] = ("LS-M",),
    name: str = "Linen shirt",
    **fields: Any,
) -> catalog_pb2.Product:
    return catalog_pb2.Product(
        slug=slug,
        status=fields.pop("status", catalog_pb2.PRODUCT_STATUS_ACTIVE),
        default_language="en",
        texts={"en": catalog_pb2.LocalizedText(name=name, description="**Soft**")},
        variants=[catalog_pb2.Variant(sku=sku) for sku in skus],
        **fields,
    )
