"""A till's shift at a store: opened with a float, closed with the cash counted, and its sales
totalled by tender. A closed shift never changes: a sale that reaches the centre after the close
is posted to the store's recovery period instead, at its own time.

Pure rules: what a valid open or close is, and what a shift's cash should be."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from omni_kit.errors import InvalidArgument
from omni_kit.shifts import TenderTotal, expected_cash_minor
from omni_order.domain.values import Money

OPEN = "open"
CLOSED = "closed"
MAX_FLOAT_MINOR = 10_000_000


@dataclass(frozen=True)
class Shift:
    shift_id: str
    store_id: str
    till_id: str
    business_day: str
    opening_float: Money
    opened_at: datetime
    opened_by: str
    state: str = OPEN
    closed_at: datetime | None = None
    closed_by: str = ""
    counted_cash: Money | None = None
    # By tender ("cash", "card"): the sales recorded in the shift while it was open.
    tenders: dict[str, TenderTotal] = field(default_factory=dict)

    @property
    def expected_cash(self) -> Money:
        amount = expected_cash_minor(self.opening_float.amount_minor, self.tenders)
        return Money(amount, self.opening_float.currency_code)

    @property
    def cash_difference(self) -> Money | None:
        if self.counted_cash is None:
            return None
        expected = self.expected_cash
        return Money(self.counted_cash.amount_minor - expected.amount_minor, expected.currency_code)


def check_open(shift: Shift) -> None:
    """Refuse an open that is not whole (INVALID_ARGUMENT naming the field)."""
    try:
        uuid.UUID(shift.shift_id)
    except ValueError:
        raise InvalidArgument(
            f"shift_id {shift.shift_id!r} is not a UUID", field="shift_id"
        ) from None
    for name in ("store_id", "till_id"):
        if not getattr(shift, name):
            raise InvalidArgument(f"{name} is required", field=name)
    check_business_day(shift.business_day)
    if not shift.opening_float.currency_code:
        raise InvalidArgument("a currency is required", field="opening_float.currency_code")
    if not 0 <= shift.opening_float.amount_minor <= MAX_FLOAT_MINOR:
        raise InvalidArgument(
            f"an opening float is 0 to {MAX_FLOAT_MINOR}", field="opening_float.amount_minor"
        )


def check_business_day(day: str) -> None:
    try:
        date.fromisoformat(day)
    except ValueError:
        raise InvalidArgument("business_day is YYYY-MM-DD", field="business_day") from None


def check_close(shift: Shift, counted_cash: Money) -> None:
    if counted_cash.currency_code != shift.opening_float.currency_code:
        raise InvalidArgument(
            f"counted in {counted_cash.currency_code!r}, the float is in"
            f" {shift.opening_float.currency_code!r}",
            field="counted_cash.currency_code",
        )
    if counted_cash.amount_minor < 0:
        raise InvalidArgument("counted cash is never negative", field="counted_cash.amount_minor")


def same_open(kept: Shift, again: Shift) -> bool:
    """An open sent again (a retry, or forwarded twice) names the same store, till and float."""
    return (kept.store_id, kept.till_id, kept.opening_float) == (
        again.store_id,
        again.till_id,
        again.opening_float,
    )
