"""Automatic catalog promotions: a percentage off the list price of the products in some
categories (and their descendants) on some channels, from a start to an end.

The rule: while promotions are in force for a listing, a price in force is the lower of the sale
price in force and the list price less the best promotion (the largest percentage; promotions
never stack). The discount is rounded half up to minor units (10 % of 1995 is 199.5, so 200 off:
1795), and a price never goes below zero."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from omni_catalog.domain.channels import Channel, channel_key
from omni_kit.errors import InvalidArgument

WHOLE = 10_000  # basis points in 100 %
MAX_NAME = 200


@dataclass(frozen=True)
class Discount:
    """What a listing carries of a promotion that applies to it."""

    basis_points: int
    starts_at: datetime
    ends_at: datetime

    def in_force(self, at: datetime) -> bool:
        return self.starts_at <= at < self.ends_at


@dataclass(frozen=True)
class Promotion:
    id: str = ""
    name: str = ""
    percentage_basis_points: int = 0
    category_ids: tuple[str, ...] = ()
    channels: tuple[Channel, ...] = ()
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    active: bool = True
    version: int = 0
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def channels_keys(self) -> list[str]:
        return [
            channel_key(channel, f"promotion.channels[{i}]")
            for i, channel in enumerate(self.channels)
        ]

    @property
    def discount(self) -> Discount:
        if self.starts_at is None or self.ends_at is None:
            raise ValueError("a stored promotion has both ends of its window")
        return Discount(self.percentage_basis_points, self.starts_at, self.ends_at)


def validate_promotion(promotion: Promotion, field: str = "promotion") -> None:
    """The rules of a promotion's own terms (categories and channels are checked against the
    catalog by the caller)."""
    if not promotion.name.strip() or len(promotion.name) > MAX_NAME:
        raise InvalidArgument(f"name is required (1-{MAX_NAME} characters)", field=f"{field}.name")
    rate = promotion.percentage_basis_points
    if not 1 <= rate <= WHOLE:
        raise InvalidArgument(
            f"percentage_basis_points must be 1..{WHOLE} (got {rate})",
            reason="PERCENTAGE_OUT_OF_RANGE",
            field=f"{field}.percentage_basis_points",
        )
    if not promotion.category_ids:
        raise InvalidArgument("name at least one category", field=f"{field}.category_ids")
    if len(set(promotion.category_ids)) != len(promotion.category_ids):
        raise InvalidArgument("a category is named twice", field=f"{field}.category_ids")
    if not promotion.channels:
        raise InvalidArgument("name at least one channel", field=f"{field}.channels")
    keys = promotion.channels_keys()
    if len(set(keys)) != len(keys):
        raise InvalidArgument("a channel is named twice", field=f"{field}.channels")
    if promotion.starts_at is None:
        raise InvalidArgument("starts_at is required", field=f"{field}.starts_at")
    if promotion.ends_at is None:
        raise InvalidArgument("ends_at is required", field=f"{field}.ends_at")
    if promotion.ends_at <= promotion.starts_at:
        raise InvalidArgument(
            "ends_at must be after starts_at",
            reason="PROMOTION_WINDOW_INVERTED",
            field=f"{field}.ends_at",
        )


def promoted(amount_minor: int, basis_points: int) -> int:
    """`amount_minor` less `basis_points` of it, the discount rounded half up."""
    off = (amount_minor * basis_points + WHOLE // 2) // WHOLE
    return max(0, amount_minor - off)


def best_in_force(discounts: Iterable[Discount], at: datetime) -> int:
    """The largest percentage in force at `at` (0: none)."""
    return max((d.basis_points for d in discounts if d.in_force(at)), default=0)


def discount_flips(discounts: Sequence[Discount], now: datetime) -> list[datetime]:
    """The promotion starts and ends still ahead of `now`."""
    return [m for d in discounts for m in (d.starts_at, d.ends_at) if m > now]


def targets(channels: Iterable[str], category_ids: Iterable[str]) -> list[str]:
    """The (channel, category) pairs a promotion covers, as stored and looked up."""
    cats = list(category_ids)
    return [f"{channel}|{category}" for channel in channels for category in cats]
