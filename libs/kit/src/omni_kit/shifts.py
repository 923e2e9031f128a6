"""A till shift's sales by tender and the cash its drawer should hold, the same at the store node
and at the centre."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class TenderTotal:
    sales: int = 0
    amount_minor: int = 0


def expected_cash_minor(float_minor: int, tenders: Mapping[str, TenderTotal]) -> int:
    """The opening float and the cash sales."""
    return float_minor + tenders.get("cash", TenderTotal()).amount_minor
