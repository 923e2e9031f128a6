"""Money: an amount in integer minor units of a currency (1999 EUR is 19.99 EUR), never a float."""

from __future__ import annotations

import re
from dataclasses import dataclass

from babel.numbers import is_currency

from omni_kit.errors import InvalidArgument

CURRENCY = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class Money:
    amount_minor: int
    currency: str


def validate_money(money: Money, field: str) -> None:
    """A price a caller gave: an ISO 4217 currency and no negative amount."""
    if not money.currency:
        raise InvalidArgument(
            "currency_code is required (ISO 4217, e.g. 'EUR')",
            reason="CURRENCY_REQUIRED",
            field=f"{field}.currency_code",
        )
    if not known_currency(money.currency):
        raise InvalidArgument(
            f"currency_code {money.currency!r} is not an ISO 4217 currency code",
            reason="INVALID_CURRENCY",
            field=f"{field}.currency_code",
        )
    if money.amount_minor < 0:
        raise InvalidArgument(
            f"amount_minor must not be negative (got {money.amount_minor})",
            reason="NEGATIVE_AMOUNT",
            field=f"{field}.amount_minor",
        )


def known_currency(code: str) -> bool:
    """Three upper-case letters naming a currency ISO 4217 knows (CLDR's list, through Babel)."""
    return bool(CURRENCY.match(code)) and is_currency(code)
