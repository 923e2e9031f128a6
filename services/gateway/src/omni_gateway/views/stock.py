"""Stock as each audience sees it: availability for shoppers (in stock, low, out, where and when
more arrives), stock levels, movements and transfers for staff, a channel's share for partners;
and the bodies staff send to move stock. Locations themselves are in `location`.

Nothing of the stock's bookkeeping crosses: no holds, no versions, no request ids."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

import msgspec

from omni.common.v1 import common_pb2
from omni.inventory.v1 import inventory_pb2 as P
from omni_gateway.views.common import EnumMap, View, when_set
from omni_gateway.views.location import (
    LOCATION_KIND,
    LocationCapabilities,
    LocationKind,
    capabilities_view,
)


class AvailabilityStatus(StrEnum):
    IN_STOCK = "in_stock"
    LOW_STOCK = "low_stock"
    OUT_OF_STOCK = "out_of_stock"


class TransferStatus(StrEnum):
    REQUESTED = "requested"
    IN_TRANSIT = "in_transit"
    RECEIVED = "received"
    CANCELLED = "cancelled"


class MovementKind(StrEnum):
    RECEIPT = "receipt"
    ADJUSTMENT = "adjustment"
    TRANSFER_OUT = "transfer_out"
    TRANSFER_IN = "transfer_in"
    RETURN = "return"
    RESERVATION_COMMIT = "reservation_commit"
    DAMAGE = "damage"


class AdjustmentReason(StrEnum):
    COUNT_CORRECTION = "count_correction"
    DAMAGED = "damaged"
    LOST = "lost"
    FOUND = "found"
    OTHER = "other"


class ActorKind(StrEnum):
    CUSTOMER = "customer"
    STAFF = "staff"
    PARTNER = "partner"
    SYSTEM = "system"


AVAILABILITY = EnumMap(AvailabilityStatus, P.AvailabilityStatus, "AVAILABILITY_STATUS_")
TRANSFER_STATUS = EnumMap(TransferStatus, P.TransferStatus, "TRANSFER_STATUS_")
MOVEMENT_KIND = EnumMap(MovementKind, P.MovementKind, "MOVEMENT_KIND_")
ADJUSTMENT_REASON = EnumMap(AdjustmentReason, P.AdjustmentReason, "ADJUSTMENT_REASON_")
ACTOR_KIND = EnumMap(ActorKind, common_pb2.ActorKind, "ACTOR_KIND_")


# Shoppers: availability.


class AvailabilitySummary(View):
    """Whether a SKU is in stock on the caller's channel, and when more is expected."""

    status: AvailabilityStatus
    expected_at: datetime | None


class LocationAvailability(View):
    location_id: str
    location_name: str
    kind: LocationKind | None
    available: int
    status: AvailabilityStatus | None
    # Set when a point was given (`lat`, `lng`).
    distance_km: float | None
    capabilities: LocationCapabilities
    inbound: int
    next_inbound_at: datetime | None


class SkuAvailability(View):
    """What the caller's channel can promise of a SKU: in total, per location, and inbound."""

    sku: str
    available: int
    status: AvailabilityStatus | None
    locations: list[LocationAvailability]
    inbound: int
    next_inbound_at: datetime | None


# Staff: stock levels, movements, transfers.


class StockLevelView(View):
    """Stock of one SKU at one location; `available` is on hand less reserved and safety stock."""

    sku: str
    location_id: str
    on_hand: int
    reserved: int
    safety_stock: int
    available: int
    damaged: int
    inbound: int
    next_inbound_at: datetime | None
    low_stock_threshold: int
    updated_at: datetime | None


class LocationSummary(View):
    code: str
    name: str
    kind: LocationKind | None
    click_and_collect: bool


class LocatedStockLevel(StockLevelView, kw_only=True):
    """A stock level with the location it is at (left out when the location is unknown), and
    its distance when the list was asked for nearest first."""

    location: LocationSummary | None = None
    distance_km: float | None = None


class SkuStock(View):
    sku: str
    locations: list[LocatedStockLevel]


class StockLevelPage(View):
    stock_levels: list[StockLevelView]
    next_page_token: str | None


class Actor(View):
    """Who did something: a staff member, a customer, a partner or the system."""

    kind: ActorKind | None
    id: str
    display: str


class StockMovement(View):
    """One entry of the stock ledger: on hand at a location changes only through these."""

    id: str
    sku: str
    location_id: str
    kind: MovementKind | None
    quantity_delta: int
    damaged_delta: int
    on_hand_after: int
    reason: AdjustmentReason | None
    note: str
    # The transfer, order, return or purchase order the movement belongs to.
    reference: str
    actor: Actor | None
    occurred_at: datetime | None


class Adjustment(View):
    stock_level: StockLevelView
    entry: StockMovement


class TransferLine(View):
    sku: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    quantity: Annotated[int, msgspec.Meta(ge=-1_000_000, le=1_000_000)]


class TransferView(View):
    id: str
    from_location_id: str
    to_location_id: str
    lines: list[TransferLine]
    # Units received per SKU (may differ from what was shipped).
    received_lines: list[TransferLine]
    status: TransferStatus | None
    expected_at: datetime | None
    note: str
    created_by: Actor | None
    created_at: datetime | None
    shipped_at: datetime | None
    received_at: datetime | None
    cancelled_at: datetime | None


class StockPolicy(View):
    """The share of stock a marketplace partner sees, and the units held back from it per SKU."""

    partner_id: str
    share_percent: int
    buffer_units: int
    updated_at: datetime | None


# Partners: their channel's share.


class StockFeedItem(View):
    sku: str
    available: int
    status: AvailabilityStatus | None
    next_inbound_at: datetime | None
    updated_at: datetime | None


class StockFeedPage(View):
    """Oldest change first."""

    items: list[StockFeedItem]
    next_page_token: str | None


# Request bodies.

Sku = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Note = Annotated[str, msgspec.Meta(max_length=500)]


class NewAdjustment(View):
    sku: Sku
    quantity_delta: Annotated[int, msgspec.Meta(ge=-1_000_000, le=1_000_000)]
    reason: AdjustmentReason
    note: Note = ""


class NewTransfer(View):
    to_location_id: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    lines: Annotated[list[TransferLine], msgspec.Meta(min_length=1, max_length=100)]
    note: Note = ""
    expected_at: Annotated[datetime, msgspec.Meta(tz=True)] | None = None


class NewStockPolicy(View):
    share_percent: Annotated[int, msgspec.Meta(ge=0, le=100)] = 100
    buffer_units: Annotated[int, msgspec.Meta(ge=0, le=1_000_000)] = 0


# Mapping: internal messages to views.


def availability_summary(item: P.SkuAvailability) -> AvailabilitySummary:
    return AvailabilitySummary(
        status=AVAILABILITY.public(item.status) or AvailabilityStatus.OUT_OF_STOCK,
        expected_at=when_set(item, "next_inbound_at"),
    )


def sku_availability(item: P.SkuAvailability, *, near: bool) -> SkuAvailability:
    """`near`: whether a point was given, so that the distances mean something."""
    return SkuAvailability(
        sku=item.sku,
        available=item.available,
        status=AVAILABILITY.public(item.status),
        locations=[
            LocationAvailability(
                location_id=row.location_id,
                location_name=row.location_name,
                kind=LOCATION_KIND.public(row.kind),
                available=row.available,
                status=AVAILABILITY.public(row.status),
                distance_km=row.distance_km if near else None,
                capabilities=capabilities_view(row.capabilities),
                inbound=row.inbound,
                next_inbound_at=when_set(row, "next_inbound_at"),
            )
            for row in item.locations
        ],
        inbound=item.inbound,
        next_inbound_at=when_set(item, "next_inbound_at"),
    )


def stock_level_view(level: P.StockLevel) -> StockLevelView:
    return StockLevelView(**_level_fields(level))


def located_stock_level(
    level: P.StockLevel, place: P.StockLocation | None, distance_km: float | None = None
) -> LocatedStockLevel:
    location = None
    if place is not None:
        location = LocationSummary(
            code=place.code,
            name=place.name,
            kind=LOCATION_KIND.public(place.kind),
            click_and_collect=place.capabilities.click_and_collect,
        )
    return LocatedStockLevel(**_level_fields(level), location=location, distance_km=distance_km)


def _level_fields(level: P.StockLevel) -> dict[str, Any]:
    return {
        "sku": level.sku,
        "location_id": level.location_id,
        "on_hand": level.on_hand,
        "reserved": level.reserved,
        "safety_stock": level.safety_stock,
        "available": level.available,
        "damaged": level.damaged,
        "inbound": level.inbound,
        "next_inbound_at": when_set(level, "next_inbound_at"),
        "low_stock_threshold": level.low_stock_threshold,
        "updated_at": when_set(level, "updated_at"),
    }


def actor_view(holder: object, field: str) -> Actor | None:
    if not holder.HasField(field):  # type: ignore[attr-defined]
        return None
    actor: common_pb2.Actor = getattr(holder, field)
    return Actor(kind=ACTOR_KIND.public(actor.kind), id=actor.id, display=actor.display)


def movement_view(entry: P.LedgerEntry) -> StockMovement:
    return StockMovement(
        id=entry.id,
        sku=entry.sku,
        location_id=entry.location_id,
        kind=MOVEMENT_KIND.public(entry.kind),
        quantity_delta=entry.quantity_delta,
        damaged_delta=entry.damaged_delta,
        on_hand_after=entry.on_hand_after,
        reason=ADJUSTMENT_REASON.public(entry.adjustment_reason),
        note=entry.note,
        reference=entry.reference,
        actor=actor_view(entry, "actor"),
        occurred_at=when_set(entry, "occurred_at"),
    )


def adjustment_view(reply: P.AdjustStockResponse) -> Adjustment:
    return Adjustment(
        stock_level=stock_level_view(reply.stock_level), entry=movement_view(reply.entry)
    )


def transfer_view(transfer: P.Transfer) -> TransferView:
    def lines(found: list[P.StockQuantity]) -> list[TransferLine]:
        return [TransferLine(sku=line.sku, quantity=line.quantity) for line in found]

    return TransferView(
        id=transfer.id,
        from_location_id=transfer.from_location_id,
        to_location_id=transfer.to_location_id,
        lines=lines(list(transfer.lines)),
        received_lines=lines(list(transfer.received_lines)),
        status=TRANSFER_STATUS.public(transfer.status),
        expected_at=when_set(transfer, "expected_at"),
        note=transfer.note,
        created_by=actor_view(transfer, "created_by"),
        created_at=when_set(transfer, "created_at"),
        shipped_at=when_set(transfer, "shipped_at"),
        received_at=when_set(transfer, "received_at"),
        cancelled_at=when_set(transfer, "cancelled_at"),
    )


def stock_policy_view(policy: P.ChannelStockPolicy) -> StockPolicy:
    return StockPolicy(
        partner_id=policy.channel.partner_id,
        share_percent=policy.share_percent if policy.HasField("share_percent") else 100,
        buffer_units=policy.buffer_units,
        updated_at=when_set(policy, "updated_at"),
    )


def stock_feed_page(reply: P.ListStockFeedResponse) -> StockFeedPage:
    return StockFeedPage(
        items=[
            StockFeedItem(
                sku=item.sku,
                available=item.available,
                status=AVAILABILITY.public(item.status),
                next_inbound_at=when_set(item, "next_inbound_at"),
                updated_at=when_set(item, "updated_at"),
            )
            for item in reply.items
        ],
        next_page_token=reply.next_page_token or None,
    )


# Partners: stock events, with what their channel can sell.


class ChannelStockChange(View):
    """A SKU's stock changed (at `location_id`, for `cause`); `available` is what the partner's
    channel can sell of it now over all locations."""

    sku: str
    location_id: str | None
    cause: MovementKind | None
    available: int


class StockAlert(View):
    """A SKU became low, out of or back in stock, at `location_id` (none: over all locations);
    `threshold` is the low-stock threshold it fell to (low stock only)."""

    sku: str
    location_id: str | None
    status: AvailabilityStatus
    available: int
    threshold: int | None = None


def channel_available(rows: Iterable[P.ChannelAvailability], partner_id: str, fallback: int) -> int:
    """What a partner's channel can sell: its own share when it has a policy, else the
    unrestricted default, else `fallback`."""
    by_partner = {row.channel.partner_id: row.available for row in rows}
    return by_partner.get(partner_id, by_partner.get("", fallback))
