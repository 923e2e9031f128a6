"""Catalog promotions as staff see and give them (/staff/v1/catalog-promotions)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from omni.catalog.v1 import catalog_pb2
from omni_gateway.context import channel_ref
from omni_gateway.security.principals import Channel
from omni_gateway.views.common import View, channel_of, when_set
from omni_kit.protos import to_timestamp

# 1 to 10000: 2000 is 20 % off the list price.
PercentageBasisPoints = Annotated[int, msgspec.Meta(ge=1, le=10_000)]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
CategoryIds = Annotated[
    list[Annotated[str, msgspec.Meta(min_length=1, max_length=200)]],
    msgspec.Meta(min_length=1, max_length=100),
]
PartnerId = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class PromotionChannel(View, kw_only=True):
    """A channel the promotion prices; a marketplace names its partner."""

    channel: Channel
    partner_id: PartnerId | None = None


class CatalogPromotion(View):
    id: str
    name: str
    percentage_basis_points: int
    # A product in one of these categories or below them qualifies.
    category_ids: list[str]
    channels: list[PromotionChannel]
    # In force from starts_at (inclusive) to ends_at (exclusive).
    starts_at: datetime | None
    ends_at: datetime | None
    active: bool
    version: int
    created_at: datetime | None
    updated_at: datetime | None


class CatalogPromotionList(View):
    items: list[CatalogPromotion]
    next_page_token: str | None


class CatalogPromotionTerms(View):
    """A promotion's terms: what a create gives, and what an update replaces (If-Match)."""

    name: Name
    percentage_basis_points: PercentageBasisPoints
    category_ids: CategoryIds
    channels: Annotated[list[PromotionChannel], msgspec.Meta(min_length=1, max_length=20)]
    starts_at: datetime
    ends_at: datetime


def catalog_promotion_view(promotion: catalog_pb2.CatalogPromotion) -> CatalogPromotion:
    return CatalogPromotion(
        id=promotion.id,
        name=promotion.name,
        percentage_basis_points=promotion.percentage_basis_points,
        category_ids=list(promotion.category_ids),
        channels=[
            PromotionChannel(channel=channel, partner_id=ref.partner_id or None)
            for ref in promotion.channels
            if (channel := channel_of(ref.channel)) is not None
        ],
        starts_at=when_set(promotion, "starts_at"),
        ends_at=when_set(promotion, "ends_at"),
        active=promotion.active,
        version=promotion.version,
        created_at=when_set(promotion, "created_at"),
        updated_at=when_set(promotion, "updated_at"),
    )


def catalog_promotion_message(
    terms: CatalogPromotionTerms, promotion_id: str = ""
) -> catalog_pb2.CatalogPromotion:
    return catalog_pb2.CatalogPromotion(
        id=promotion_id,
        name=terms.name,
        percentage_basis_points=terms.percentage_basis_points,
        category_ids=terms.category_ids,
        channels=[
            channel_ref(item.channel, partner_id=item.partner_id or "") for item in terms.channels
        ],
        starts_at=to_timestamp(terms.starts_at),
        ends_at=to_timestamp(terms.ends_at),
    )
