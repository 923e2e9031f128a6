"""Order rules. Pure: no I/O, no framework."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from omni_kit.errors import InvalidArgument

CURRENCY = re.compile(r"^[A-Z]{3}$")
CART_LIFETIME = timedelta(days=30)


def cart_owner(customer_id: str, anonymous_id: str) -> tuple[str, str]:
    """The (field, value) a cart belongs to: exactly one of customer and anonymous visitor."""
    if bool(customer_id) == bool(anonymous_id):
        raise InvalidArgument(
            "give exactly one of customer_id and anonymous_id", field="customer_id"
        )
    return ("customer_id", customer_id) if customer_id else ("anonymous_id", anonymous_id)


def cart_currency(currency_code: str) -> str:
    code = currency_code or "EUR"
    if not CURRENCY.match(code):
        raise InvalidArgument(
            f"currency_code {currency_code!r} must be an ISO 4217 code like 'EUR'",
            field="currency_code",
        )
    return code


def cart_expiry(now: datetime) -> datetime:
    return now + CART_LIFETIME
