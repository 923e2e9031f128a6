"""A paper sale: written by hand on a pre-issued numbered receipt while the store had no power
at all, keyed in later at the node. Its id comes from the store and the paper number, so keying
it again (here or at the centre) is the same sale.

What was written counts: the till, the time on the paper (the store's local time), the lines at
the prices written, the tender. The SKUs must be sold in the store (their names come from the
replica). Cash is taken as written; a card only stored (its token, no terminal worked) and
within the store's offline per-sale cap."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from omni_kit.paper import paper_sale_id
from omni_store_node.domain.payments import CardLimits, StoredCards, check_offline_card
from omni_store_node.domain.sales import (
    MAX_LINES,
    MAX_QUANTITY,
    Customer,
    Price,
    Sale,
    SaleLine,
    SaleRefused,
    check_card_token,
)

PAPER_TENDERS = ("cash", "card")


@dataclass(frozen=True)
class WrittenLine:
    sku: str
    quantity: int
    unit_minor: int


@dataclass(frozen=True)
class PaperReceipt:
    number: int
    till_id: str
    # As written: the store's local time (an offset, if given, is honoured).
    written_at: datetime
    tender: str
    currency: str
    lines: list[WrittenLine]
    staff_id: str = ""
    card_token: str = ""
    customer: Customer = field(default_factory=Customer)


def in_blocks(number: int, blocks: list[tuple[int, int]]) -> bool:
    return any(first <= number <= last for first, last in blocks)


def paper_sale(
    receipt: PaperReceipt,
    *,
    store_id: str,
    blocks: list[tuple[int, int]],
    zone: ZoneInfo,
    prices: dict[str, Price],
    card_limits: CardLimits,
) -> Sale:
    """The sale a paper receipt records; refused naming the field when it cannot be one."""
    if not in_blocks(receipt.number, blocks):
        raise SaleRefused(
            f"paper receipt {receipt.number} is not in a block issued to this store",
            "paper_receipt_number",
        )
    if not receipt.till_id or len(receipt.till_id) > 64:
        raise SaleRefused("till_id is 1 to 64 characters", "till_id")
    if receipt.tender not in PAPER_TENDERS:
        raise SaleRefused("a paper sale is paid cash or card", "tender")
    if receipt.tender == "card" and not receipt.card_token:
        raise SaleRefused(
            "no card terminal works without power: a paper card sale needs the card's token",
            "card_token",
        )
    check_card_token(receipt.tender, receipt.card_token, receipt.customer)
    if not 1 <= len(receipt.lines) <= MAX_LINES:
        raise SaleRefused(f"a sale has 1 to {MAX_LINES} lines", "lines")
    lines: list[SaleLine] = []
    for index, line in enumerate(receipt.lines):
        price = prices.get(line.sku)
        if price is None:
            raise SaleRefused(
                f"SKU {line.sku!r} is not sold in this store", f"lines[{index}].sku", 404
            )
        if not 1 <= line.quantity <= MAX_QUANTITY:
            raise SaleRefused(f"quantity is 1 to {MAX_QUANTITY}", f"lines[{index}].quantity")
        if line.unit_minor < 0:
            raise SaleRefused("a price is never negative", f"lines[{index}].unit_price_minor")
        if price.currency != receipt.currency:
            raise SaleRefused(
                f"the store sells in {price.currency}, the receipt says {receipt.currency}",
                "currency",
            )
        lines.append(SaleLine(line.sku, price.name, line.quantity, line.unit_minor))
    written = receipt.written_at
    local = written if written.tzinfo else written.replace(tzinfo=zone)
    sale = Sale(
        sale_id=paper_sale_id(store_id, receipt.number),
        till_id=receipt.till_id,
        tender=receipt.tender,
        currency=receipt.currency,
        lines=tuple(lines),
        sold_at=local.astimezone(UTC),
        staff_id=receipt.staff_id,
        card_token=receipt.card_token,
        customer=receipt.customer,
        paper_receipt_number=receipt.number,
    )
    # The per-sale cap of a card stored offline; the stored total is the journal's to count.
    check_offline_card(sale, card_limits, StoredCards(0, None))
    return sale
