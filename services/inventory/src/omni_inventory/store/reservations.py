"""Reservation documents: stored proto fields plus what queries need (holder, fingerprint).

The fingerprint is the reservation's identity: its kind, lines and owner. A ReserveStock naming
an existing id with the same fingerprint finds that reservation; with another, it is refused."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession

from omni.inventory.v1 import inventory_pb2
from omni_inventory.domain.reservations import HOLDING, Line, Status
from omni_inventory.store import Collections
from omni_kit.errors import Conflict, NotFound
from omni_kit.protos import from_document, to_document

HOLDING_NAMES = [status.value for status in HOLDING]


def holder(owner: inventory_pb2.ReservationOwner) -> str:
    """Whose hold cap a cart hold counts against: the customer, else the cart (visitors)."""
    if owner.customer_id:
        return f"customer:{owner.customer_id}"
    return f"cart:{owner.cart_id}" if owner.cart_id else ""


def to_message(document: dict[str, Any]) -> inventory_pb2.Reservation:
    return from_document(document, inventory_pb2.Reservation)


def to_lines(reservation: inventory_pb2.Reservation) -> list[Line]:
    return [
        Line(
            line.sku,
            line.location_id,
            line.quantity,
            line.committed_quantity,
            line.released_quantity,
        )
        for line in reservation.lines
    ]


def set_lines(reservation: inventory_pb2.Reservation, lines: list[Line]) -> None:
    del reservation.lines[:]
    for line in lines:
        reservation.lines.add(
            sku=line.sku,
            location_id=line.location_id,
            quantity=line.quantity,
            committed_quantity=line.committed_quantity,
            released_quantity=line.released_quantity,
        )


def status_of(reservation: inventory_pb2.Reservation) -> Status:
    return Status(inventory_pb2.ReservationStatus.Name(reservation.status))


def to_document_with_keys(
    reservation: inventory_pb2.Reservation, *, fingerprint: str
) -> dict[str, Any]:
    document = to_document(reservation)
    document["holder"] = holder(reservation.owner)
    document["held"] = sum(
        line.quantity - line.committed_quantity - line.released_quantity
        for line in reservation.lines
    )
    document["fingerprint"] = fingerprint
    document["skus"] = sorted({line.sku for line in reservation.lines})
    document["location_ids"] = sorted({line.location_id for line in reservation.lines})
    return document


async def load(
    collections: Collections, reservation_id: str, session: AsyncClientSession | None = None
) -> dict[str, Any]:
    document = await collections.reservations.find_one({"_id": reservation_id}, session=session)
    if document is None:
        raise NotFound(
            f"no reservation with id {reservation_id!r}",
            reason="RESERVATION_NOT_FOUND",
            field="reservation_id",
        )
    return document


async def save(
    collections: Collections,
    session: AsyncClientSession,
    reservation: inventory_pb2.Reservation,
    previous: dict[str, Any],
) -> None:
    document = to_document_with_keys(reservation, fingerprint=previous["fingerprint"])
    saved = await collections.reservations.replace_one(
        {"_id": reservation.id, "version": previous["version"]}, document, session=session
    )
    if not saved.matched_count:
        raise Conflict(f"reservation {reservation.id!r} changed meanwhile; retry")


async def units_held(
    collections: Collections, session: AsyncClientSession, holder_key: str, now: Any
) -> int:
    """Units in this holder's live cart holds; touching its lock document first makes two
    concurrent holds by one holder conflict, so both cannot slip under the cap."""
    await collections.holders.update_one(
        {"_id": holder_key}, {"$inc": {"writes": 1}}, upsert=True, session=session
    )
    # The (holder, status) index range; kind and expiry are checked on the holder's few rows.
    query = {"holder": holder_key, "status": {"$in": HOLDING_NAMES}}
    fields = {"held": 1, "kind": 1, "expires_at": 1}
    cursor = collections.reservations.find(query, fields, session=session)
    return sum(
        [
            document.get("held", 0)
            async for document in cursor
            if document.get("kind") == "RESERVATION_KIND_CART_HOLD"
            and document.get("expires_at") is not None
            and document["expires_at"] > now
        ]
    )
