"""Prices beyond the listing's own: the product's price in more currencies and each variant's
price per currency (with a compare-at price and a sale window), the price in force for a variant
in a currency, and the currencies a channel sells in."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from omni_catalog.domain.money import Money, known_currency, validate_money
from omni_catalog.domain.promotions import Discount, best_in_force, promoted
from omni_kit.errors import InvalidArgument

# Amounts fit a signed 64-bit integer in every store and message; a price is far below this.
MAX_AMOUNT = 10**15


@dataclass(frozen=True)
class ListingPrice:
    """The product's price in one currency (`sku` empty) or one variant's (overrides it)."""

    sku: str = ""
    price: Money | None = None
    compare_at_price: Money | None = None
    # Applies from sale_starts_at (inclusive) to sale_ends_at (exclusive); None is open.
    sale_price: Money | None = None
    sale_starts_at: datetime | None = None
    sale_ends_at: datetime | None = None


@dataclass(frozen=True)
class Price:
    amount_minor: int
    currency: str
    on_sale: bool
    compare_at_minor: int | None = None

    @property
    def money(self) -> Money:
        return Money(self.amount_minor, self.currency)


@dataclass(frozen=True)
class ChannelCurrencies:
    """What a channel (key) sells in; the first currency is the default for new carts. Until an
    admin sets them (version 0) the channel's carts default to the catalog's default currency
    and its listings may be priced in any currency, as before channels had currencies."""

    channel_key: str
    currencies: tuple[str, ...]
    version: int = 0
    updated_at: datetime | None = None

    @property
    def restricted(self) -> bool:
        return self.version > 0


def validate_amount(money: Money, field: str) -> None:
    validate_money(money, field)
    if money.amount_minor > MAX_AMOUNT:
        raise InvalidArgument(
            f"amount_minor must be at most {MAX_AMOUNT} (got {money.amount_minor})",
            reason="AMOUNT_TOO_LARGE",
            field=f"{field}.amount_minor",
        )


def validate_currencies(currencies: Sequence[str], field: str = "currencies") -> tuple[str, ...]:
    if not currencies:
        raise InvalidArgument("a channel sells in at least one currency", field=field)
    for index, code in enumerate(currencies):
        if not known_currency(code):
            raise InvalidArgument(
                f"{code!r} is not an ISO 4217 currency code",
                reason="INVALID_CURRENCY",
                field=f"{field}[{index}]",
            )
    if len(set(currencies)) != len(currencies):
        raise InvalidArgument("a currency is named twice", reason="DUPLICATE_CURRENCY", field=field)
    return tuple(currencies)


def require_sold_in(money: Money, channel: ChannelCurrencies, field: str) -> None:
    sold = channel.currencies
    if channel.restricted and money.currency not in sold:
        raise InvalidArgument(
            f"the channel does not sell in {money.currency} (it sells in {', '.join(sold)})",
            reason="CURRENCY_NOT_SOLD",
            field=f"{field}.currency_code",
        )


def validate_window(
    price: Money | None,
    sale_price: Money | None,
    starts: datetime | None,
    ends: datetime | None,
    field: str,
    sale_field: str = "sale_price",
) -> None:
    """A sale price is in the price's currency, not above it, and its window is not inverted."""
    if sale_price is None:
        if starts is not None or ends is not None:
            raise InvalidArgument(
                "a sale window needs a sale_price",
                reason="SALE_WINDOW_WITHOUT_SALE_PRICE",
                field=f"{field}.{sale_field}",
            )
        return
    validate_amount(sale_price, f"{field}.{sale_field}")
    if price is not None and sale_price.currency != price.currency:
        raise InvalidArgument(
            f"{sale_field} is in {sale_price.currency} but price is in {price.currency}; "
            "they must match",
            reason="CURRENCY_MISMATCH",
            field=f"{field}.{sale_field}.currency_code",
        )
    if price is not None and sale_price.amount_minor > price.amount_minor:
        raise InvalidArgument(
            f"{sale_field} must not be above price",
            reason="SALE_ABOVE_PRICE",
            field=f"{field}.{sale_field}.amount_minor",
        )
    if starts is not None and ends is not None and starts >= ends:
        raise InvalidArgument(
            "sale_ends_at must be after sale_starts_at",
            reason="SALE_WINDOW_INVERTED",
            field=f"{field}.sale_ends_at",
        )


def validate_prices(
    prices: Sequence[ListingPrice],
    skus: Iterable[str],
    channel: ChannelCurrencies,
    base: Money | None,
    listing_field: str = "listing",
) -> None:
    """The listing's price (`base`) and each entry are in currencies the channel sells in; an
    entry names a variant of the product (or none), at most once per (sku, currency), and keeps
    the rules of a price and its sale window."""
    known, field = set(skus), f"{listing_field}.prices"
    if base is not None:
        require_sold_in(base, channel, f"{listing_field}.price")
    seen: set[tuple[str, str]] = set()
    for index, entry in enumerate(prices):
        where = f"{field}[{index}]"
        if entry.sku and entry.sku not in known:
            raise InvalidArgument(
                f"{entry.sku!r} is not a variant of this product", field=f"{where}.sku"
            )
        if entry.price is None:
            raise InvalidArgument("a price entry needs a price", field=f"{where}.price")
        validate_amount(entry.price, f"{where}.price")
        require_sold_in(entry.price, channel, f"{where}.price")
        key = (entry.sku, entry.price.currency)
        if key in seen or (not entry.sku and base is not None and base.currency == key[1]):
            raise InvalidArgument(
                f"{entry.sku or 'the product'} has two prices in {key[1]}",
                reason="DUPLICATE_PRICE",
                field=f"{where}.price.currency_code",
            )
        seen.add(key)
        if entry.compare_at_price is not None:
            validate_amount(entry.compare_at_price, f"{where}.compare_at_price")
            if entry.compare_at_price.currency != entry.price.currency:
                raise InvalidArgument(
                    "compare_at_price must be in the price's currency",
                    reason="CURRENCY_MISMATCH",
                    field=f"{where}.compare_at_price.currency_code",
                )
            if entry.compare_at_price.amount_minor < entry.price.amount_minor:
                raise InvalidArgument(
                    "compare_at_price must not be below price",
                    reason="COMPARE_AT_BELOW_PRICE",
                    field=f"{where}.compare_at_price.amount_minor",
                )
        validate_window(
            entry.price, entry.sale_price, entry.sale_starts_at, entry.sale_ends_at, where
        )


def in_window(starts: datetime | None, ends: datetime | None, at: datetime) -> bool:
    if starts is not None and at < starts:
        return False
    return not (ends is not None and at >= ends)


def entry_price(entry: ListingPrice, at: datetime, discounts: Sequence[Discount] = ()) -> Price:
    price = entry.price or Money(0, "")
    was = entry.compare_at_price.amount_minor if entry.compare_at_price else None
    if entry.sale_price is not None and in_window(entry.sale_starts_at, entry.sale_ends_at, at):
        found = Price(
            entry.sale_price.amount_minor, price.currency, True, was or price.amount_minor
        )
    else:
        found = Price(price.amount_minor, price.currency, False, was)
    return with_discounts(found, price.amount_minor, discounts, at)


def with_discounts(
    found: Price, list_minor: int, discounts: Sequence[Discount], at: datetime
) -> Price:
    """`found` (the list or sale price in force), or the list price less the best promotion in
    force when that is lower; a promoted price shows the regular price as compare-at."""
    best = best_in_force(discounts, at)
    amount = promoted(list_minor, best) if best else found.amount_minor
    if amount >= found.amount_minor:
        return found
    return Price(amount, found.currency, True, found.compare_at_minor or list_minor)


def find_entry(prices: Sequence[ListingPrice], sku: str, currency: str) -> ListingPrice | None:
    """The variant's own price in the currency, else the product's."""
    for wanted in (sku, ""):
        for entry in prices:
            if entry.sku == wanted and entry.price is not None and entry.price.currency == currency:
                return entry
    return None


def entry_flips(prices: Sequence[ListingPrice], now: datetime) -> list[datetime]:
    """The sale-window boundaries still ahead of `now`."""
    return [
        moment
        for entry in prices
        if entry.sale_price is not None
        for moment in (entry.sale_starts_at, entry.sale_ends_at)
        if moment is not None and moment > now
    ]
