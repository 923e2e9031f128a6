"""Staff fulfilment of an order: shipments from a location, the pickup at a store, and returns
received in any channel, as request bodies and the views they answer with."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

import msgspec

from omni.common.v1 import common_pb2
from omni.order.v1 import order_pb2
from omni_gateway.views.common import EnumMap, Money, View, money_or_none, when_set
from omni_gateway.views.delivery import Shipment, Text
from omni_gateway.views.order import (
    HistoryActor,
    Id,
    LineUnits,
    Quantity,
    SalesChannelRef,
    StaffOrder,
    actor_view,
    sales_channel_ref,
)
from omni_gateway.views.tax import TaxBreakdown, tax_breakdown, tax_breakdown_or_none

P = order_pb2


class ItemCondition(StrEnum):
    SELLABLE = "sellable"
    DAMAGED = "damaged"


class ReturnResolution(StrEnum):
    REFUND = "refund"
    EXCHANGE = "exchange"


class ReturnStatus(StrEnum):
    RECEIVED = "received"
    COMPLETED = "completed"
    REFUND_FAILED = "refund_failed"


ITEM_CONDITION = EnumMap(ItemCondition, common_pb2.ItemCondition, "ITEM_CONDITION_")
RETURN_RESOLUTION = EnumMap(ReturnResolution, P.ReturnResolution, "RETURN_RESOLUTION_")
RETURN_STATUS = EnumMap(ReturnStatus, P.ReturnStatus, "RETURN_STATUS_")


class NewShipment(View):
    source_location_id: Id
    # Units to ship (none: every open unit).
    lines: Annotated[list[LineUnits], msgspec.Meta(max_length=100)] = []
    carrier: Text = ""
    tracking_number: Text = ""


class Tracking(View):
    carrier: Text = ""
    tracking_number: Text = ""


class Collection(View):
    pickup_code: Annotated[str, msgspec.Meta(min_length=1, max_length=20)]


class ReturnedLine(View):
    line_id: Id
    quantity: Quantity
    condition: ItemCondition = ItemCondition.SELLABLE
    resolution: ReturnResolution = ReturnResolution.REFUND
    # Exchanges: the replacement SKU (may equal the returned one).
    exchange_sku: Text = ""
    reason: Text = ""


class NewReturn(View):
    receiving_location_id: Id
    lines: Annotated[list[ReturnedLine], msgspec.Meta(min_length=1, max_length=100)]
    note: Text = ""


class ReturnLine(View):
    line_id: str
    quantity: int
    condition: ItemCondition | None
    resolution: ReturnResolution | None
    reason: str | None
    exchange_sku: str | None
    # The replacement line created on the order.
    exchange_line_id: str | None
    refund_amount: Money | None
    # The refund's net and tax at the rate the line was charged.
    refund_tax: TaxBreakdown | None = None


class PartnerReturn(View, kw_only=True):
    """A return as the partner whose order it is sees it: without who received it."""

    id: str
    order_id: str
    status: ReturnStatus | None
    lines: list[ReturnLine]
    # Where the goods came back; they are restocked there.
    receiving_location_id: str
    channel: SalesChannelRef | None
    refund_total: Money | None
    refund_ids: list[str]
    note: str | None
    created_at: datetime | None
    updated_at: datetime | None
    # The refund per rate: the tax it gives back.
    refund_tax_lines: list[TaxBreakdown] = []


class Return(PartnerReturn):
    """A return as staff see it: with who received it."""

    actor: HistoryActor | None


class ShipmentCreated(View):
    shipment: Shipment
    order: StaffOrder


class ReturnCreated(View):
    return_: Return = msgspec.field(name="return")
    order: StaffOrder


def to_proto_return_lines(lines: list[ReturnedLine]) -> list[P.ReturnLine]:
    return [
        P.ReturnLine(
            line_id=line.line_id,
            quantity=line.quantity,
            condition=ITEM_CONDITION.number(line.condition),
            resolution=RETURN_RESOLUTION.number(line.resolution),
            exchange_sku=line.exchange_sku,
            reason=line.reason,
        )
        for line in lines
    ]


def _return_fields(order_return: P.OrderReturn) -> dict[str, Any]:
    return {
        "id": order_return.id,
        "order_id": order_return.order_id,
        "status": RETURN_STATUS.public(order_return.status),
        "lines": [
            ReturnLine(
                line_id=line.line_id,
                quantity=line.quantity,
                condition=ITEM_CONDITION.public(line.condition),
                resolution=RETURN_RESOLUTION.public(line.resolution),
                reason=line.reason or None,
                exchange_sku=line.exchange_sku or None,
                exchange_line_id=line.exchange_line_id or None,
                refund_amount=money_or_none(line, "refund_amount"),
                refund_tax=tax_breakdown_or_none(line, "refund_tax"),
            )
            for line in order_return.lines
        ],
        "receiving_location_id": order_return.receiving_location_id,
        "channel": (
            sales_channel_ref(order_return.channel) if order_return.HasField("channel") else None
        ),
        "refund_total": money_or_none(order_return, "refund_total"),
        "refund_tax_lines": [tax_breakdown(line) for line in order_return.refund_tax_lines],
        "refund_ids": list(order_return.refund_ids),
        "note": order_return.note or None,
        "created_at": when_set(order_return, "created_at"),
        "updated_at": when_set(order_return, "updated_at"),
    }


def return_view(order_return: P.OrderReturn) -> Return:
    actor = actor_view(order_return.actor) if order_return.HasField("actor") else None
    return Return(**_return_fields(order_return), actor=actor)


def partner_return_view(order_return: P.OrderReturn) -> PartnerReturn:
    return PartnerReturn(**_return_fields(order_return))
