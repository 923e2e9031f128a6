"""Tax rules: rates per country and class with validity windows, and the tax of priced lines.

Rounding (docs/api.md, "Tax"): per line, half up on the tax amount; in a tax-inclusive channel
the tax is taken out of the line's gross, in a tax-exclusive one it is added to its net. Totals
are the exact sums of the lines; a part of a line (returned or cancelled units) is its pro rata
share rounded down, so the last unit takes the remainder and the parts add up to the line."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

import pycountry

from omni_kit.errors import InvalidArgument
from omni_order.domain.values import Money, SalesChannel, total

# Basis points: 2300 is 23 %. A rate above 100 % is refused (no VAT or GST comes near).
MAX_RATE_BASIS_POINTS = 10_000
WHOLE = 10_000
COUNTRY = re.compile(r"^[A-Z]{2}$")


class TaxClass(Enum):
    UNSPECIFIED = "TAX_CLASS_UNSPECIFIED"
    STANDARD = "TAX_CLASS_STANDARD"
    REDUCED = "TAX_CLASS_REDUCED"
    SUPER_REDUCED = "TAX_CLASS_SUPER_REDUCED"
    ZERO = "TAX_CLASS_ZERO"

    @property
    def effective(self) -> TaxClass:
        """A product without a class is taxed at the standard rate."""
        return TaxClass.STANDARD if self is TaxClass.UNSPECIFIED else self


@dataclass(frozen=True)
class TaxRate:
    id: str
    country_code: str = ""
    tax_class: TaxClass = TaxClass.UNSPECIFIED
    rate_basis_points: int = 0
    # In force from valid_from (inclusive) to valid_until (exclusive; None: open-ended).
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    created_at: datetime | None = None

    def in_force(self, at: datetime) -> bool:
        starts = self.valid_from is None or self.valid_from <= at
        return starts and (self.valid_until is None or at < self.valid_until)


@dataclass(frozen=True)
class ChannelTax:
    """Where a channel's sales are taxed and whether its listed prices include the tax."""

    channel: SalesChannel = SalesChannel.UNSPECIFIED
    country_code: str = ""
    prices_include_tax: bool = True
    updated_at: datetime | None = None


@dataclass(frozen=True)
class TaxableLine:
    key: str
    tax_class: TaxClass
    unit_price: Money
    quantity: int
    # Taken off the line's listed amount before its tax is worked out (vouchers).
    discount: int = 0


@dataclass(frozen=True)
class TaxBreakdown:
    """A line's (or a rate's) amounts at the rate charged: net + tax = gross."""

    tax_class: TaxClass = TaxClass.UNSPECIFIED
    rate_basis_points: int = 0
    net: Money = field(default_factory=Money)
    tax: Money = field(default_factory=Money)
    gross: Money = field(default_factory=Money)

    def share(self, units: int, of: int) -> TaxBreakdown:
        """The amounts of `units` of the line's `of` units (rounded down; see the module doc)."""
        currency = self.gross.currency_code
        gross = self.gross.amount_minor * units // of if of > 0 else 0
        tax = self.tax.amount_minor * units // of if of > 0 else 0
        return breakdown(self.tax_class, self.rate_basis_points, gross - tax, tax, currency)

    def minus(self, other: TaxBreakdown) -> TaxBreakdown:
        return self.plus(other.negated())

    def plus(self, other: TaxBreakdown) -> TaxBreakdown:
        return TaxBreakdown(
            self.tax_class,
            self.rate_basis_points,
            self.net.plus(other.net),
            self.tax.plus(other.tax),
            self.gross.plus(other.gross),
        )

    def negated(self) -> TaxBreakdown:
        currency = self.gross.currency_code
        return breakdown(
            self.tax_class,
            self.rate_basis_points,
            -self.net.amount_minor,
            -self.tax.amount_minor,
            currency,
        )


def breakdown(
    tax_class: TaxClass, rate: int, net: int, tax: int, currency_code: str
) -> TaxBreakdown:
    return TaxBreakdown(
        tax_class,
        rate,
        Money(net, currency_code),
        Money(tax, currency_code),
        Money(net + tax, currency_code),
    )


@dataclass(frozen=True)
class TaxQuote:
    country_code: str
    prices_include_tax: bool
    lines: dict[str, TaxBreakdown] = field(default_factory=dict)
    # Each line's gross as it would be without its discount.
    undiscounted: dict[str, Money] = field(default_factory=dict)


def tax_class_of(charged: TaxBreakdown | None) -> TaxClass:
    return charged.tax_class if charged is not None else TaxClass.UNSPECIFIED


def taxable(
    key: str, charged: TaxBreakdown | None, unit: Money, quantity: int, discount: Money | None
) -> TaxableLine:
    """A cart or order line as the tax sees it: its class, price, units and discount."""
    off = discount.amount_minor if discount else 0
    return TaxableLine(key, tax_class_of(charged), unit, quantity, off)


def half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up, for non-negative numbers."""
    return (2 * numerator + denominator) // (2 * denominator)


def line_tax(
    tax_class: TaxClass,
    unit: Money,
    quantity: int,
    rate: int,
    prices_include_tax: bool,
    discount: int = 0,
) -> TaxBreakdown:
    """The line's amounts, taxed on what is left after its discount."""
    amount = unit.amount_minor * quantity - discount
    if prices_include_tax:
        tax = half_up(amount * rate, WHOLE + rate)
        return breakdown(tax_class, rate, amount - tax, tax, unit.currency_code)
    return breakdown(tax_class, rate, amount, half_up(amount * rate, WHOLE), unit.currency_code)


def quote(
    lines: Sequence[TaxableLine],
    rates: Mapping[TaxClass, int],
    country_code: str,
    prices_include_tax: bool,
) -> TaxQuote:
    """Each line's tax at its class's rate (a class without a rate in the country: 0 %), on
    its amount after its discount; and its gross as it would be without the discount."""
    taxed: dict[str, TaxBreakdown] = {}
    undiscounted: dict[str, Money] = {}
    for line in lines:
        tax_class = line.tax_class.effective
        rate = rates.get(tax_class, 0)
        price = (tax_class, line.unit_price, line.quantity, rate, prices_include_tax)
        taxed[line.key] = line_tax(*price, discount=line.discount)
        undiscounted[line.key] = line_tax(*price).gross if line.discount else taxed[line.key].gross
    return TaxQuote(country_code, prices_include_tax, taxed, undiscounted)


def rates_in_force(rates: Iterable[TaxRate], at: datetime) -> dict[TaxClass, int]:
    return {rate.tax_class: rate.rate_basis_points for rate in rates if rate.in_force(at)}


def by_rate(lines: Iterable[TaxBreakdown]) -> list[TaxBreakdown]:
    """Per (class, rate): the exact sums of the lines charged at it, by class then rate."""
    totals: dict[tuple[TaxClass, int], TaxBreakdown] = {}
    for line in lines:
        key = (line.tax_class, line.rate_basis_points)
        totals[key] = totals[key].plus(line) if key in totals else line
    order = list(TaxClass)
    return sorted(totals.values(), key=lambda t: (order.index(t.tax_class), -t.rate_basis_points))


def sums(lines: Sequence[TaxBreakdown], currency_code: str) -> tuple[Money, Money, Money]:
    """(net, tax, gross) of the lines, exactly."""
    return (
        total((line.net for line in lines), currency_code),
        total((line.tax for line in lines), currency_code),
        total((line.gross for line in lines), currency_code),
    )


def require_country(country_code: str, field_name: str) -> str:
    if not COUNTRY.match(country_code) or pycountry.countries.get(alpha_2=country_code) is None:
        raise InvalidArgument(
            f"{country_code!r} is not an ISO 3166-1 alpha-2 country code",
            field=field_name,
        )
    return country_code


def require_rate(rate: TaxRate) -> TaxRate:
    """A rate as the admin gave it, checked field by field."""
    require_country(rate.country_code, "country_code")
    if rate.tax_class is TaxClass.UNSPECIFIED:
        raise InvalidArgument("tax_class is required", field="tax_class")
    if not 0 <= rate.rate_basis_points <= MAX_RATE_BASIS_POINTS:
        raise InvalidArgument(
            f"rate_basis_points must be 0 to {MAX_RATE_BASIS_POINTS} "
            f"(0 to 100 %), got {rate.rate_basis_points}",
            field="rate_basis_points",
        )
    if rate.valid_from is None:
        raise InvalidArgument("valid_from is required", field="valid_from")
    if rate.valid_until is not None and rate.valid_until <= rate.valid_from:
        raise InvalidArgument("valid_until must be after valid_from", field="valid_until")
    return rate


def require_no_overlap(rate: TaxRate, others: Iterable[TaxRate]) -> None:
    """The same country and class may have one rate at a time."""
    for other in others:
        if other.id == rate.id:
            continue
        if other.country_code != rate.country_code or other.tax_class != rate.tax_class:
            continue
        starts_before_other_ends = other.valid_until is None or _start(rate) < other.valid_until
        ends_after_other_starts = rate.valid_until is None or _start(other) < rate.valid_until
        if starts_before_other_ends and ends_after_other_starts:
            raise InvalidArgument(
                f"the validity overlaps rate {other.id} "
                f"({rate.country_code} {rate.tax_class.name.lower()}, "
                f"from {_start(other).isoformat()} "
                f"until {other.valid_until.isoformat() if other.valid_until else 'further notice'})"
                "; end that rate first",
                field="valid_from",
            )


def _start(rate: TaxRate) -> datetime:
    assert rate.valid_from is not None
    return rate.valid_from
