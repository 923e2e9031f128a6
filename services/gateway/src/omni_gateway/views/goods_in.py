"""Goods in and stock control for staff: receipts, expected deliveries (inbound), safety stock,
and a SKU's stock ledger at a location."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

import msgspec

from omni.inventory.v1 import inventory_pb2 as P
from omni_gateway.views.common import EnumMap, View, when_set
from omni_gateway.views.stock import Note, Sku, StockLevelView, StockMovement


class InboundStatus(StrEnum):
    EXPECTED = "expected"
    RECEIVED = "received"
    CANCELLED = "cancelled"


class InboundSource(StrEnum):
    PURCHASE_ORDER = "purchase_order"
    TRANSFER = "transfer"


INBOUND_STATUS = EnumMap(InboundStatus, P.InboundStatus, "INBOUND_STATUS_")
INBOUND_SOURCE = EnumMap(InboundSource, P.InboundSourceKind, "INBOUND_SOURCE_KIND_")
Quantity = Annotated[int, msgspec.Meta(ge=1, le=1_000_000)]
Reference = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
Ids = Annotated[
    list[Annotated[str, msgspec.Meta(min_length=1, max_length=64)]], msgspec.Meta(max_length=50)
]


class ReceiptLine(View):
    sku: Sku
    quantity: Quantity


class NewReceipt(View):
    """Goods that arrived at a location, with the delivery note or purchase order they came
    under; `inbound_ids` are the expected deliveries they fulfil."""

    lines: Annotated[list[ReceiptLine], msgspec.Meta(min_length=1, max_length=500)]
    reference: Reference
    inbound_ids: Ids = []
    note: Note = ""


class Receipt(View):
    """The stock levels after a receipt, one per SKU."""

    stock_levels: list[StockLevelView]


class NewInbound(View):
    """A delivery expected at a location; its units count as inbound until received."""

    sku: Sku
    quantity: Quantity
    expected_at: Annotated[datetime, msgspec.Meta(tz=True)]
    reference: Reference


class InboundView(View):
    id: str
    sku: str
    location_id: str
    quantity: int
    expected_at: datetime | None
    source: InboundSource | None
    # The purchase order number, or the transfer id.
    reference: str
    status: InboundStatus | None
    created_at: datetime | None
    updated_at: datetime | None


class InboundPage(View):
    """Earliest expected first."""

    inbound: list[InboundView]
    next_page_token: str | None


class NewSafetyStock(View):
    safety_stock: Annotated[int, msgspec.Meta(ge=0, le=1_000_000)]
    # Available at or below this is low stock; null leaves it as it is.
    low_stock_threshold: Annotated[int, msgspec.Meta(ge=0, le=1_000_000)] | None = None


class Cancellation(View):
    reason: Note = ""


class LedgerPage(View):
    """Oldest first: on hand is the sum of a SKU's movements at the location."""

    entries: list[StockMovement]
    next_page_token: str | None


def inbound_view(inbound: P.InboundStock) -> InboundView:
    return InboundView(
        id=inbound.id,
        sku=inbound.sku,
        location_id=inbound.location_id,
        quantity=inbound.quantity,
        expected_at=when_set(inbound, "expected_at"),
        source=INBOUND_SOURCE.public(inbound.source_kind),
        reference=inbound.source_ref,
        status=INBOUND_STATUS.public(inbound.status),
        created_at=when_set(inbound, "created_at"),
        updated_at=when_set(inbound, "updated_at"),
    )
