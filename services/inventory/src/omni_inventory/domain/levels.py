"""Stock of one SKU at one location, and how each kind of change may move it."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import Enum

from omni_kit.errors import FailedPrecondition


class Availability(Enum):
    IN_STOCK = "in_stock"
    LOW_STOCK = "low_stock"
    OUT_OF_STOCK = "out_of_stock"


@dataclass(frozen=True)
class Level:
    sku: str
    location_id: str
    on_hand: int = 0
    reserved: int = 0
    safety_stock: int = 0
    damaged: int = 0
    version: int = 0

    @property
    def free(self) -> int:
        """Units not reserved nor kept back; negative when safety stock exceeds what is left."""
        return self.on_hand - self.reserved - self.safety_stock

    @property
    def available(self) -> int:
        return max(0, self.free)

    def reserve(self, quantity: int, field: str) -> Level:
        if quantity > self.available:
            raise shortage(self.sku, self.available, quantity, field)
        return dataclasses.replace(self, reserved=self.reserved + quantity)

    def unreserve(self, quantity: int) -> Level:
        return dataclasses.replace(self, reserved=max(0, self.reserved - quantity))

    def commit(self, quantity: int) -> Level:
        """Reserved units leave the building."""
        return dataclasses.replace(
            self, reserved=self.reserved - quantity, on_hand=self.on_hand - quantity
        )

    def move(self, on_hand_delta: int, field: str, damaged_delta: int = 0) -> Level:
        """A physical movement; units held by reservations cannot leave."""
        unreserved = self.on_hand - self.reserved
        if on_hand_delta < 0 and -on_hand_delta > unreserved:
            raise FailedPrecondition(
                f"only {unreserved} unreserved units of {self.sku!r} are at this location; "
                f"{-on_hand_delta} cannot leave",
                reason="INSUFFICIENT_STOCK",
                field=field,
                metadata={"available": unreserved, "sku": self.sku},
            )
        return dataclasses.replace(
            self, on_hand=self.on_hand + on_hand_delta, damaged=self.damaged + damaged_delta
        )


def shortage(sku: str, available: int, requested: int, field: str) -> FailedPrecondition:
    return FailedPrecondition(
        f"only {available} units of {sku!r} are available; {requested} requested",
        reason="INSUFFICIENT_STOCK",
        field=field,
        metadata={"available": available, "requested": requested, "sku": sku},
    )


def availability(available: int, low_threshold: int) -> Availability:
    if available <= 0:
        return Availability.OUT_OF_STOCK
    if available <= low_threshold:
        return Availability.LOW_STOCK
    return Availability.IN_STOCK


def transitions(before: int, after: int, low_threshold: int) -> list[Availability]:
    """The availability facts a change of available units crosses into (low, out, back in)."""
    facts = []
    if before > 0 and after == 0:
        facts.append(Availability.OUT_OF_STOCK)
    elif before == 0 and after > 0:
        facts.append(Availability.IN_STOCK)
    if after > 0 and after <= low_threshold < before:
        facts.append(Availability.LOW_STOCK)
    return facts


@dataclass(frozen=True)
class ChannelPolicy:
    """The share of stock a channel may see and sell (marketplaces lag; they see less)."""

    share_percent: int = 100
    buffer_units: int = 0

    def apply(self, available: int) -> int:
        return max(0, available * self.share_percent // 100 - self.buffer_units)

    def apply_share(self, available: int) -> int:
        return available * self.share_percent // 100
