"""Paper receipts: the numbered blocks issued to a store, and a paper sale keyed in at the
centre (written by hand while the store had no power). Times are UTC on the way out; the time
written on the paper is the store's local time."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from omni.order.v1 import order_pb2 as P
from omni_gateway.views.common import View, when_set

MAX_BLOCK = 10_000


class NewPaperReceiptBlock(View):
    # How many numbers the block holds.
    count: Annotated[int, msgspec.Meta(ge=1, le=MAX_BLOCK)]


class PaperReceiptBlockView(View):
    id: str
    store_id: str
    # First and last number of the block, inclusive.
    first: int
    last: int
    issued_at: datetime | None


class PaperReceiptBlockList(View):
    blocks: list[PaperReceiptBlockView]


class PaperLine(View):
    sku: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    quantity: Annotated[int, msgspec.Meta(ge=1, le=10_000)]
    # The price written on the paper receipt.
    unit_price_minor: Annotated[int, msgspec.Meta(ge=0)]


class PaperCustomer(View):
    name: str = ""
    email: str = ""
    phone: str = ""


class NewPaperSale(View, kw_only=True):
    # Pre-printed on the receipt, from a block issued to the store.
    paper_receipt_number: Annotated[int, msgspec.Meta(ge=1)]
    till_id: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    # The time written on the paper, in the store's time zone (an offset, if given, counts).
    written_at: datetime
    tender: Literal["cash", "card"]
    currency: Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{3}$")]
    lines: Annotated[list[PaperLine], msgspec.Meta(min_length=1, max_length=200)]
    # A card: no terminal worked without power, so only its token, charged at the centre.
    card_token: str = ""
    customer: PaperCustomer | None = None


class PaperSaleView(View):
    sale_id: str
    paper_receipt_number: int
    order_id: str
    # False when this paper receipt had been keyed in before (here or at the store's node).
    created: bool
    # The time on the paper, in UTC.
    sold_at: datetime | None


def block_view(block: P.PaperReceiptBlock) -> PaperReceiptBlockView:
    return PaperReceiptBlockView(
        id=block.id,
        store_id=block.store_id,
        first=block.first,
        last=block.last,
        issued_at=when_set(block, "issued_at"),
    )
