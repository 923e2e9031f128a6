"""A till's sale: what a valid one is, and its lines priced from the store's replica.

Money is integer minor units with its currency. The receipt's number is not made here: the
journal gives the next number of the till in the same write that keeps the sale."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

# Gift cards, store credit and loyalty are known so that offline they are refused by name.
TENDERS = ("cash", "card", "gift_card", "store_credit", "loyalty")
MAX_LINES = 200
MAX_QUANTITY = 10_000


class SaleRefused(ValueError):
    """A sale the node cannot take as it was sent: `field` names what was wrong."""

    def __init__(self, message: str, field: str, status: int = 422) -> None:
        super().__init__(message)
        self.field = field
        self.status = status


@dataclass(frozen=True)
class Price:
    sku: str
    product_id: str
    name: str
    amount_minor: int
    currency: str
    listing_version: int


@dataclass(frozen=True)
class Wanted:
    sku: str
    quantity: int


@dataclass(frozen=True)
class SaleLine:
    sku: str
    name: str
    quantity: int
    unit_minor: int


@dataclass(frozen=True)
class Customer:
    """Who to ask for the money if a card stored offline is declined."""

    name: str = ""
    email: str = ""
    phone: str = ""


@dataclass(frozen=True)
class Sale:
    sale_id: str
    till_id: str
    tender: str
    currency: str
    lines: tuple[SaleLine, ...]
    sold_at: datetime
    staff_id: str = ""
    # A card stored offline: its token, charged when the sale reaches the centre.
    card_token: str = ""
    customer: Customer = Customer()
    # Written on a pre-issued paper receipt and keyed in later (domain/paper.py); 0: a till sale.
    paper_receipt_number: int = 0
    # The till's open shift it was sold in (domain/shifts.py); empty: the till keeps no shifts.
    shift_id: str = ""

    @property
    def total_minor(self) -> int:
        return sum(line.unit_minor * line.quantity for line in self.lines)


def check_request(sale_id: str, till_id: str, tender: str, wanted: list[Wanted]) -> None:
    try:
        if str(uuid.UUID(sale_id)) != sale_id.lower():
            raise ValueError(sale_id)
    except ValueError:
        raise SaleRefused(f"sale_id {sale_id!r} is not a UUID", "sale_id") from None
    if not till_id or len(till_id) > 64:
        raise SaleRefused("till_id is 1 to 64 characters", "till_id")
    if tender not in TENDERS:
        raise SaleRefused(f"tender {tender!r} is not one of {', '.join(TENDERS)}", "tender")
    if not wanted:
        raise SaleRefused("a sale needs at least one line", "lines")
    if len(wanted) > MAX_LINES:
        raise SaleRefused(f"a sale has at most {MAX_LINES} lines", "lines")
    for index, line in enumerate(wanted):
        if not 1 <= line.quantity <= MAX_QUANTITY:
            raise SaleRefused(f"quantity is 1 to {MAX_QUANTITY}", f"lines[{index}].quantity")


def check_card_token(tender: str, card_token: str, customer: Customer) -> None:
    """A card stored to be charged at the centre: a card sale's, with a contact in case the
    charge is declined."""
    if card_token and tender != "card":
        raise SaleRefused("a card token comes only with a card sale", "card_token")
    if card_token and not (customer.email or customer.phone):
        raise SaleRefused(
            "a stored card needs the customer's e-mail or phone, in case it is declined",
            "customer",
        )


def priced_sale(
    *,
    sale_id: str,
    till_id: str,
    tender: str,
    wanted: list[Wanted],
    prices: dict[str, Price],
    sold_at: datetime,
    staff_id: str = "",
    card_token: str = "",
    customer: Customer = Customer(),
    shift_id: str = "",
) -> Sale:
    """The sale at the store's prices; a SKU the store does not sell refuses it whole."""
    check_request(sale_id, till_id, tender, wanted)
    check_card_token(tender, card_token, customer)
    lines: list[SaleLine] = []
    currencies: set[str] = set()
    for index, line in enumerate(wanted):
        price = prices.get(line.sku)
        if price is None:
            raise SaleRefused(
                f"SKU {line.sku!r} is not sold in this store", f"lines[{index}].sku", 404
            )
        currencies.add(price.currency)
        lines.append(SaleLine(line.sku, price.name, line.quantity, price.amount_minor))
    if len(currencies) != 1:
        raise SaleRefused("the lines are priced in different currencies", "lines")
    return Sale(
        sale_id=sale_id.lower(),
        till_id=till_id,
        tender=tender,
        currency=currencies.pop(),
        lines=tuple(lines),
        sold_at=sold_at,
        staff_id=staff_id,
        card_token=card_token,
        customer=customer,
        shift_id=shift_id.lower(),
    )
