"""Reservations: where the units come from, what is still held, and what state that makes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from omni_inventory.domain.levels import shortage
from omni_kit.errors import FailedPrecondition, InvalidArgument


class Status(Enum):
    ACTIVE = "RESERVATION_STATUS_ACTIVE"
    PARTIALLY_COMMITTED = "RESERVATION_STATUS_PARTIALLY_COMMITTED"
    COMMITTED = "RESERVATION_STATUS_COMMITTED"
    RELEASED = "RESERVATION_STATUS_RELEASED"
    EXPIRED = "RESERVATION_STATUS_EXPIRED"


HOLDING = (Status.ACTIVE, Status.PARTIALLY_COMMITTED)


@dataclass
class Line:
    sku: str
    location_id: str
    quantity: int
    committed_quantity: int = 0
    released_quantity: int = 0

    @property
    def remaining(self) -> int:
        return self.quantity - self.committed_quantity - self.released_quantity


@dataclass(frozen=True)
class Wanted:
    """A quantity of a SKU a request names, at a location or anywhere."""

    sku: str
    quantity: int
    location_id: str = ""


def allocate(
    wanted: Wanted,
    candidates: Sequence[tuple[str, int]],
    *,
    allow_split: bool,
    channel_available: int,
    field: str,
) -> list[tuple[str, int]]:
    """Pick (location, units) for a line from candidates in preference order.

    One location when one has it all (fewest shipments); else split over the fullest first when
    allowed. `channel_available` caps what the requesting channel may take in total."""
    total = sum(max(0, units) for _, units in candidates)
    can_take = min(total, channel_available)
    if wanted.quantity > can_take:
        raise shortage(wanted.sku, can_take, wanted.quantity, field)
    for location_id, units in candidates:
        if units >= wanted.quantity:
            return [(location_id, wanted.quantity)]
    if not allow_split:
        best = max((units for _, units in candidates), default=0)
        raise FailedPrecondition(
            f"no single location has {wanted.quantity} units of {wanted.sku!r} "
            f"(at most {best}); allow a split to use several",
            reason="INSUFFICIENT_STOCK_AT_ONE_LOCATION",
            field=field,
            metadata={"available": best, "requested": wanted.quantity, "sku": wanted.sku},
        )
    plan, missing = [], wanted.quantity
    for location_id, units in sorted(candidates, key=lambda c: -c[1]):
        take = min(units, missing)
        if take > 0:
            plan.append((location_id, take))
            missing -= take
    return plan


def status_of(lines: Sequence[Line]) -> Status:
    held = sum(line.remaining for line in lines)
    committed = sum(line.committed_quantity for line in lines)
    if held and committed:
        return Status.PARTIALLY_COMMITTED
    if held:
        return Status.ACTIVE
    return Status.COMMITTED if committed else Status.RELEASED


def take(lines: Sequence[Line], wanted: Sequence[Wanted], field: str) -> list[tuple[int, int]]:
    """(line index, units) to release or commit; no `wanted` takes everything still held."""
    if not wanted:
        return [(index, line.remaining) for index, line in enumerate(lines) if line.remaining]
    taken: dict[int, int] = {}
    for position, want in enumerate(wanted):
        missing = want.quantity
        for index, line in enumerate(lines):
            if line.sku != want.sku or (want.location_id and line.location_id != want.location_id):
                continue
            units = min(line.remaining - taken.get(index, 0), missing)
            if units > 0:
                taken[index] = taken.get(index, 0) + units
                missing -= units
        if missing:
            raise InvalidArgument(
                f"the reservation holds {want.quantity - missing} more units of {want.sku!r}, "
                f"not {want.quantity}",
                reason="MORE_THAN_HELD",
                field=f"{field}[{position}].quantity",
            )
    return sorted(taken.items())


def must_be_holding(status: Status, reservation_id: str, action: str) -> None:
    if status not in HOLDING:
        raise FailedPrecondition(
            f"reservation {reservation_id!r} is {status.name.lower()}; it cannot be {action}",
            reason=f"RESERVATION_{status.name}",
            field="reservation_id",
            metadata={"status": status.name},
        )


def hold_cap_exceeded(owner: str, held: int, requested: int, cap: int) -> FailedPrecondition:
    return FailedPrecondition(
        f"{owner!r} already holds {held} units in cart holds; {requested} more would pass the "
        f"cap of {cap} units per customer",
        reason="HOLD_CAP_EXCEEDED",
        field="owner",
        metadata={"cap": cap, "held": held, "requested": requested},
    )
