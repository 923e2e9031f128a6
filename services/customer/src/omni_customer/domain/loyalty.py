"""Loyalty points: earned from confirmed orders, adjusted by the service; never set by a client."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from omni_customer.domain.values import Money
from omni_kit.errors import FailedPrecondition, InvalidArgument

if TYPE_CHECKING:
    from omni_customer.domain.profiles import Profile


@dataclass(frozen=True)
class Loyalty:
    points_balance: int = 0
    updated_at: datetime | None = None


# ISO 4217 minor-unit exponents that are not 2.
_EXPONENTS = {
    **dict.fromkeys(
        [
            "BIF",
            "CLP",
            "DJF",
            "GNF",
            "ISK",
            "JPY",
            "KMF",
            "KRW",
            "PYG",
            "RWF",
            "UGX",
            "UYI",
            "VND",
            "VUV",
            "XAF",
            "XOF",
            "XPF",
        ],
        0,
    ),
    **dict.fromkeys(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
    **dict.fromkeys(["CLF", "UYW"], 4),
}
MAX_REASON_LENGTH = 200


def exponent(currency_code: str) -> int:
    return _EXPONENTS.get(currency_code.upper(), 2)


def points_for_order(total: Money) -> int:
    """One point per full currency unit of the order total."""
    if total.amount_minor <= 0:
        return 0
    return total.amount_minor // 10 ** exponent(total.currency)


def format_money(money: Money) -> str:
    places = exponent(money.currency)
    units, minor = divmod(abs(money.amount_minor), 10**places)
    sign = "-" if money.amount_minor < 0 else ""
    amount = f"{units}.{minor:0{places}d}" if places else f"{units}"
    return f"{sign}{amount} {money.currency}".strip()


def check_adjustment(delta: int, reason: str) -> None:
    if delta == 0:
        raise InvalidArgument("points_delta must not be zero", field="points_delta")
    if not reason.strip():
        raise InvalidArgument("a reason is required", field="reason")
    if len(reason) > MAX_REASON_LENGTH:
        raise InvalidArgument(
            f"reason is longer than {MAX_REASON_LENGTH} characters", field="reason"
        )


def adjust(profile: Profile, delta: int, now: datetime) -> int:
    """Apply `delta`; the balance never goes below zero. Returns the new balance."""
    balance = profile.loyalty.points_balance + delta
    if balance < 0:
        raise FailedPrecondition(
            f"the balance is {profile.loyalty.points_balance} points; cannot take {-delta}",
            reason="INSUFFICIENT_POINTS",
            field="points_delta",
            metadata={"balance": profile.loyalty.points_balance},
        )
    profile.loyalty = Loyalty(balance, now)
    return balance
