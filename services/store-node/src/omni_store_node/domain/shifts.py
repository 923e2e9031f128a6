"""A till's shift: opened with a float by a staff member, closed with the cash counted, and its
sales summed by tender. Only an open shift of the same till takes a sale."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from omni_kit.shifts import TenderTotal, expected_cash_minor
from omni_store_node.domain.sales import SaleRefused

MAX_FLOAT_MINOR = 10_000_000


@dataclass(frozen=True)
class Shift:
    shift_id: str
    till_id: str
    # The store's business day (YYYY-MM-DD in its zone) when the shift opened.
    business_day: str
    opened_at: datetime
    opened_by: str
    float_minor: int
    currency: str
    closed_at: datetime | None = None
    closed_by: str = ""
    counted_cash_minor: int | None = None
    # Its sales in this node's journal, by tender.
    tenders: dict[str, TenderTotal] = field(default_factory=dict)

    @property
    def expected_cash_minor(self) -> int:
        return expected_cash_minor(self.float_minor, self.tenders)

    @property
    def cash_difference_minor(self) -> int | None:
        if self.counted_cash_minor is None:
            return None
        return self.counted_cash_minor - self.expected_cash_minor


def check_open(shift: Shift) -> None:
    try:
        if str(uuid.UUID(shift.shift_id)) != shift.shift_id.lower():
            raise ValueError(shift.shift_id)
    except ValueError:
        raise SaleRefused(f"shift_id {shift.shift_id!r} is not a UUID", "shift_id") from None
    if not shift.till_id or len(shift.till_id) > 64:
        raise SaleRefused("till_id is 1 to 64 characters", "till_id")
    if not shift.opened_by:
        raise SaleRefused("the staff member opening the shift is required", "staff_id")
    if not 0 <= shift.float_minor <= MAX_FLOAT_MINOR:
        raise SaleRefused(
            f"an opening float is 0 to {MAX_FLOAT_MINOR}", "opening_float.amount_minor"
        )


def check_close(staff_id: str, counted_cash_minor: int) -> None:
    if not staff_id:
        raise SaleRefused("the staff member closing the shift is required", "staff_id")
    if counted_cash_minor < 0:
        raise SaleRefused("counted cash is never negative", "counted_cash_minor")


def check_sale_shift(shift: Shift | None, shift_id: str, till_id: str) -> None:
    """A sale names an open shift of its own till."""
    if shift is None:
        raise SaleRefused(f"no shift {shift_id!r} at this store", "shift_id")
    if shift.till_id != till_id:
        raise SaleRefused(f"shift {shift_id} is till {shift.till_id}'s", "shift_id")
    if shift.closed_at is not None:
        raise SaleRefused(f"shift {shift_id} is closed: open a new one", "shift_id", 409)
