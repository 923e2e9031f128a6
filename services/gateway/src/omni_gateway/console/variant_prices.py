"""A listing's variant prices as the admin's product page edits them: one field per variant and
currency (empty = the product's price there) and one row to price a variant in another currency.
The form becomes the listing's whole `prices` list for the staff API's `change_listing`; entries
the table does not show (the product's own prices in other currencies, sale windows, "was"
prices) are carried over unchanged."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import msgspec
from babel.numbers import get_currency_precision
from litestar import Request

from omni_gateway.console.labels import N_
from omni_gateway.console.render import translate
from omni_gateway.views.product import ListingPrice, StaffListingView

NEW_PRICE, NEW_CURRENCY = "new_price", "new_currency"
ENTRY = re.compile(r"prices\[(\d+)\]")


def minor_units(request: Request[Any, Any, Any], amount: str, currency: str) -> int:
    """ "49.99" in PLN is 4999: the currency's own number of decimals, never more."""
    try:
        value = Decimal(amount.strip().replace(",", "."))
        scaled = value.scaleb(get_currency_precision(currency))
    except (InvalidOperation, ValueError):
        raise ValueError(translate(request, N_("Write an amount such as 49.99."))) from None
    if scaled != scaled.to_integral_value() or scaled < 0:
        raise ValueError(translate(request, N_("Write an amount such as 49.99.")))
    return int(scaled)


@dataclass(frozen=True)
class Cell:
    field: str
    currency: str
    own: ListingPrice | None  # the variant's own price here, if it has one
    product: Any  # the product's price in this currency (Money), or None


@dataclass(frozen=True)
class Row:
    sku: str
    cells: list[Cell]


def field_name(sku: str, currency: str) -> str:
    return f"vp-{sku}-{currency}"


def currencies(listing: StaffListingView) -> list[str]:
    """The listing's currency first, then every other one its prices are in."""
    found = [listing.price.currency] if listing.price else []
    for entry in listing.prices:
        if entry.price.currency not in found:
            found.append(entry.price.currency)
    return found


def table(listing: StaffListingView, skus: list[str]) -> list[Row]:
    own = {(e.sku, e.price.currency): e for e in listing.prices if e.sku}
    product = {e.price.currency: e.price for e in listing.prices if not e.sku}
    if listing.price:
        product[listing.price.currency] = listing.price
    return [
        Row(
            sku,
            [
                Cell(field_name(sku, c), c, own.get((sku, c)), product.get(c))
                for c in currencies(listing)
            ],
        )
        for sku in skus
    ]


def form_prices(
    request: Request[Any, Any, Any],
    listing: StaffListingView,
    skus: list[str],
    form: Any,
) -> tuple[list[dict[str, Any]], list[str], dict[str, str]]:
    """The `prices` the form asks for, the form field behind each entry ("" for entries carried
    over) and the fields whose amount cannot be read."""
    prices: list[dict[str, Any]] = []
    fields: list[str] = []
    errors: dict[str, str] = {}
    shown = {(sku, c) for sku in skus for c in currencies(listing)}
    for entry in listing.prices:
        if not entry.sku or (entry.sku, entry.price.currency) not in shown:
            prices.append(msgspec.to_builtins(entry))
            fields.append("")
    for row in table(listing, skus):
        for cell in row.cells:
            written = str(form.get(cell.field, "")).strip()
            if not written:
                continue  # empty: the variant costs what the product costs
            try:
                amount = minor_units(request, written, cell.currency)
            except ValueError as error:
                errors[cell.field] = str(error)
                continue
            kept = msgspec.to_builtins(cell.own) if cell.own else {"sku": row.sku}
            kept["price"] = {"amount_minor": amount, "currency": cell.currency}
            prices.append(kept)
            fields.append(cell.field)
    written = str(form.get(NEW_PRICE, "")).strip()
    if written:
        currency = str(form.get(NEW_CURRENCY, "")).strip().upper()
        try:
            amount = minor_units(request, written, currency)
        except ValueError as error:
            errors[NEW_PRICE] = str(error)
        else:
            price = {"amount_minor": amount, "currency": currency}
            prices.append({"sku": str(form.get("new_sku", "")), "price": price})
            fields.append(NEW_PRICE)
    return prices, fields, errors


def entry_field(name: str, fields: list[str]) -> str:
    """The form field behind the `prices[i]` a refusal names ("" when it names none)."""
    match = ENTRY.search(name)
    if not match or int(match[1]) >= len(fields):
        return ""
    field = fields[int(match[1])]
    if field == NEW_PRICE and "currency" in name[match.end() :]:
        return NEW_CURRENCY
    return field
