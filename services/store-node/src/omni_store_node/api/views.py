"""What the tills send and get back: closed msgspec structs."""

from __future__ import annotations

from datetime import datetime

import msgspec

from omni_store_node.domain.paper import PaperReceipt, WrittenLine
from omni_store_node.domain.sales import Customer, Price
from omni_store_node.domain.shifts import Shift
from omni_store_node.store.journal import WAITING, Entry


class MoneyView(msgspec.Struct, forbid_unknown_fields=True):
    amount_minor: int
    currency: str


class SaleLineBody(msgspec.Struct, forbid_unknown_fields=True):
    sku: str
    quantity: int


class CustomerBody(msgspec.Struct, forbid_unknown_fields=True):
    name: str = ""
    email: str = ""
    phone: str = ""


class SaleBody(msgspec.Struct, forbid_unknown_fields=True):
    # Made at the till (a UUID): a retry under the same id is the same sale.
    sale_id: str
    till_id: str
    tender: str
    lines: list[SaleLineBody]
    staff_id: str = ""
    # Card stored offline (store-and-forward): the card's token and who to ask if declined.
    card_token: str = ""
    customer: CustomerBody | None = None
    # The till's open shift (POST /pos/v1/shifts); empty: the till keeps no shifts.
    shift_id: str = ""


class PaperLineBody(msgspec.Struct, forbid_unknown_fields=True):
    sku: str
    quantity: int
    # The price written on the paper receipt.
    unit_price_minor: int


class PaperSaleBody(msgspec.Struct, forbid_unknown_fields=True):
    # Pre-printed on the paper receipt, from a block the centre issued to the store.
    paper_receipt_number: int
    till_id: str
    # The time written on the paper, in the store's time zone (an offset, if given, counts).
    written_at: datetime
    tender: str
    currency: str
    lines: list[PaperLineBody]
    staff_id: str = ""
    card_token: str = ""
    customer: CustomerBody | None = None


class PaperBlockView(msgspec.Struct):
    first: int
    last: int


class ReceiptLineView(msgspec.Struct):
    sku: str
    name: str
    quantity: int
    unit_price: MoneyView
    line_total: MoneyView


class ReceiptView(msgspec.Struct):
    sale_id: str
    till_id: str
    # Gapless per till, from 1.
    till_number: int
    sold_at: datetime
    tender: str
    lines: list[ReceiptLineView]
    total: MoneyView
    # The node could not reach the centre: the sale is kept here and forwarded later.
    offline: bool
    # Recorded at the centre (false while it waits in the node's journal).
    synced: bool
    # A paper sale keyed in: its pre-issued number (till_number is then 0).
    paper_receipt_number: int | None = None


class ProductView(msgspec.Struct):
    sku: str
    product_id: str
    name: str
    price: MoneyView
    listing_version: int
    offline: bool


class StatusView(msgspec.Struct):
    store_id: str
    online: bool
    offline_since: datetime | None
    sales_waiting: int
    sales_recorded: int
    sales_quarantined: int
    sales_refused: int
    last_sync_at: datetime | None
    prices_loaded_at: str
    # What a card sale may be while offline (the centre's limits for the store, else defaults).
    card_limits: CardLimitsView


class CardLimitsView(msgspec.Struct):
    currency: str
    sale_cap_minor: int
    stored_cap_minor: int
    max_age_seconds: int


class OfflineSwitchView(msgspec.Struct):
    # When the link went down (UTC, ISO 8601).
    offline_since: str
    # The first sale sold offline after it, and the till and staff member that sold it.
    first_sale_id: str
    till_id: str
    staff_id: str


def receipt(entry: Entry, *, offline: bool) -> ReceiptView:
    sale = entry.sale

    def money(amount: int) -> MoneyView:
        return MoneyView(amount, sale.currency)

    return ReceiptView(
        sale_id=sale.sale_id,
        till_id=sale.till_id,
        till_number=entry.till_number,
        sold_at=sale.sold_at,
        tender=sale.tender,
        lines=[
            ReceiptLineView(
                line.sku,
                line.name,
                line.quantity,
                money(line.unit_minor),
                money(line.unit_minor * line.quantity),
            )
            for line in sale.lines
        ],
        total=money(sale.total_minor),
        offline=offline,
        synced=entry.state != WAITING,
        paper_receipt_number=sale.paper_receipt_number or None,
    )


def paper_receipt(body: PaperSaleBody) -> PaperReceipt:
    return PaperReceipt(
        number=body.paper_receipt_number,
        till_id=body.till_id,
        written_at=body.written_at,
        tender=body.tender,
        currency=body.currency,
        lines=[WrittenLine(line.sku, line.quantity, line.unit_price_minor) for line in body.lines],
        staff_id=body.staff_id,
        card_token=body.card_token,
        customer=Customer(**msgspec.structs.asdict(body.customer)) if body.customer else Customer(),
    )


def product(price: Price, *, offline: bool) -> ProductView:
    return ProductView(
        sku=price.sku,
        product_id=price.product_id,
        name=price.name,
        price=MoneyView(price.amount_minor, price.currency),
        listing_version=price.listing_version,
        offline=offline,
    )


class ShiftOpenBody(msgspec.Struct, forbid_unknown_fields=True):
    # Made at the till (a UUID): the same open again is the same shift.
    shift_id: str
    till_id: str
    staff_id: str
    opening_float: MoneyView


class ShiftCloseBody(msgspec.Struct, forbid_unknown_fields=True):
    staff_id: str
    # Counted in the drawer, in the float's currency.
    counted_cash_minor: int


class ShiftTenderView(msgspec.Struct):
    tender: str
    sales: int
    amount: MoneyView


class ShiftView(msgspec.Struct):
    shift_id: str
    till_id: str
    # The store's business day (its zone) the shift opened on.
    business_day: str
    opened_at: datetime
    opened_by: str
    opening_float: MoneyView
    closed_at: datetime | None
    closed_by: str
    counted_cash: MoneyView | None
    # This till's sales in the shift, by tender.
    tenders: list[ShiftTenderView]
    # The opening float and the cash sales.
    expected_cash: MoneyView
    # Counted minus expected (null while open).
    cash_difference: MoneyView | None


def shift(kept: Shift) -> ShiftView:
    def money(amount: int | None) -> MoneyView | None:
        return None if amount is None else MoneyView(amount, kept.currency)

    return ShiftView(
        shift_id=kept.shift_id,
        till_id=kept.till_id,
        business_day=kept.business_day,
        opened_at=kept.opened_at,
        opened_by=kept.opened_by,
        opening_float=MoneyView(kept.float_minor, kept.currency),
        closed_at=kept.closed_at,
        closed_by=kept.closed_by,
        counted_cash=money(kept.counted_cash_minor),
        tenders=[
            ShiftTenderView(name, total.sales, MoneyView(total.amount_minor, kept.currency))
            for name, total in sorted(kept.tenders.items())
        ],
        expected_cash=MoneyView(kept.expected_cash_minor, kept.currency),
        cash_difference=money(kept.cash_difference_minor),
    )
