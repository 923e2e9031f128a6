"""Amounts as the providers that speak in major units write them ("12.50"), for currencies
with two decimal places (UAH, PLN, EUR, USD)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from omni_order.domain.values import Money


def major(amount_minor: int) -> str:
    return f"{Decimal(amount_minor) / 100:.2f}"


def minor(value: object, currency: str) -> Money | None:
    """The Money a provider's decimal amount stands for; None when it is not an amount."""
    try:
        units = Decimal(str(value)) * 100
    except InvalidOperation:
        return None
    if units != units.to_integral_value():
        return None
    return Money(amount_minor=int(units), currency_code=str(currency).upper())
