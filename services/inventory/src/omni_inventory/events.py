"""What inventory publishes (subjects omni.inventory.<entity>.<event>)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypedDict

from google.protobuf.message import Message

from omni.common.v1 import common_pb2
from omni.inventory.v1 import events_pb2, inventory_pb2
from omni_inventory.domain.levels import Availability, ChannelPolicy, transitions
from omni_kit.facts import Event, make_event

STREAM = "OMNI_INVENTORY"
SUBJECTS = ["omni.inventory.>"]
SOURCE = "inventory"

STOCK_CHANGED = "omni.inventory.stock.changed"
LOW_STOCK = "omni.inventory.stock.low"
OUT_OF_STOCK = "omni.inventory.stock.out_of_stock"
BACK_IN_STOCK = "omni.inventory.stock.back_in_stock"
STOCK_RESERVED = "omni.inventory.stock.reserved"
RESERVATION_RELEASED = "omni.inventory.reservation.released"
RESERVATION_COMMITTED = "omni.inventory.reservation.committed"
RESERVATION_EXPIRED = "omni.inventory.reservation.expired"
TRANSFER_SHIPPED = "omni.inventory.transfer.shipped"
TRANSFER_RECEIVED = "omni.inventory.transfer.received"
LOCATION_CHANGED = "omni.inventory.location.changed"

Policies = Sequence[tuple[common_pb2.ChannelRef, ChannelPolicy]]


def channel_availability(total: int, policies: Policies) -> list[inventory_pb2.ChannelAvailability]:
    """The unrestricted default first, then every channel that has a policy."""
    rows = [inventory_pb2.ChannelAvailability(channel=common_pb2.ChannelRef(), available=total)]
    rows += [
        inventory_pb2.ChannelAvailability(channel=channel, available=policy.apply(total))
        for channel, policy in policies
    ]
    return rows


def stock_changed(
    level: inventory_pb2.StockLevel,
    cause: str,
    on_hand_delta: int,
    reserved_delta: int,
    total: int,
    policies: Policies,
) -> Event:
    return make_event(
        events_pb2.StockChanged,
        STOCK_CHANGED,
        source=SOURCE,
        aggregate_type="stock_level",
        aggregate_id=f"{level.sku}@{level.location_id}",
        aggregate_version=level.version,
        stock_level=level,
        cause=cause,
        on_hand_delta=on_hand_delta,
        reserved_delta=reserved_delta,
        total_available=total,
        channel_availability=channel_availability(total, policies),
    )


class _StockFact(TypedDict):
    """What every stock level fact carries: the make_event arguments and its SKU fields."""

    source: str
    aggregate_type: str
    aggregate_id: str
    sku: str
    location_id: str


def thresholds(sku: str, location_id: str, before: int, after: int, threshold: int) -> list[Event]:
    """Low, out of stock and back in stock facts for one location ('' = all locations)."""
    common: _StockFact = {
        "source": SOURCE,
        "aggregate_type": "stock_level",
        "aggregate_id": f"{sku}@{location_id}" if location_id else sku,
        "sku": sku,
        "location_id": location_id,
    }
    found = []
    for fact in transitions(before, after, threshold):
        if fact is Availability.OUT_OF_STOCK:
            found.append(make_event(events_pb2.OutOfStock, OUT_OF_STOCK, **common))
        elif fact is Availability.IN_STOCK:
            found.append(
                make_event(events_pb2.BackInStock, BACK_IN_STOCK, available=after, **common)
            )
        else:
            found.append(
                make_event(
                    events_pb2.LowStock, LOW_STOCK, available=after, threshold=threshold, **common
                )
            )
    return found


def _reservation_event(
    message_type: type[Message], subject: str, reservation: inventory_pb2.Reservation, **fields: Any
) -> Event:
    return make_event(
        message_type,
        subject,
        source=SOURCE,
        aggregate_type="reservation",
        aggregate_id=reservation.id,
        aggregate_version=reservation.version,
        channel=reservation.channel,
        reservation=reservation,
        **fields,
    )


def stock_reserved(reservation: inventory_pb2.Reservation) -> Event:
    return _reservation_event(events_pb2.StockReserved, STOCK_RESERVED, reservation)


def reservation_released(
    reservation: inventory_pb2.Reservation,
    released: list[inventory_pb2.StockQuantity],
    reason: str,
) -> Event:
    return _reservation_event(
        events_pb2.ReservationReleased,
        RESERVATION_RELEASED,
        reservation,
        released=released,
        reason=reason,
    )


def reservation_committed(
    reservation: inventory_pb2.Reservation,
    committed: list[inventory_pb2.StockQuantity],
    reference: str,
) -> Event:
    return _reservation_event(
        events_pb2.ReservationCommitted,
        RESERVATION_COMMITTED,
        reservation,
        committed=committed,
        reference=reference,
    )


def reservation_expired(reservation: inventory_pb2.Reservation) -> Event:
    return _reservation_event(events_pb2.ReservationExpired, RESERVATION_EXPIRED, reservation)


def transfer_event(transfer: inventory_pb2.Transfer, *, shipped: bool) -> Event:
    message_type = events_pb2.TransferShipped if shipped else events_pb2.TransferReceived
    return make_event(
        message_type,
        TRANSFER_SHIPPED if shipped else TRANSFER_RECEIVED,
        source=SOURCE,
        aggregate_type="transfer",
        aggregate_id=transfer.id,
        aggregate_version=transfer.version,
        transfer=transfer,
    )
