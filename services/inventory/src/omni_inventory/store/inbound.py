"""Expected stock: a level's inbound units and next arrival follow its open inbound records."""

from __future__ import annotations

from pymongo.asynchronous.client_session import AsyncClientSession

from omni.inventory.v1 import inventory_pb2
from omni_inventory.store import Collections, level_id, listing
from omni_kit.ids import utcnow
from omni_kit.protos import to_document

EXPECTED = "INBOUND_STATUS_EXPECTED"
EMPTY_LEVEL = {
    "on_hand": 0,
    "reserved": 0,
    "safety_stock": 0,
    "damaged": 0,
    "free": 0,
    "available": 0,
    "low_stock_threshold": 0,
    "version": 1,
}


async def insert(
    collections: Collections, session: AsyncClientSession, inbound: inventory_pb2.InboundStock
) -> None:
    """Store a new inbound record (its list floors first)."""
    document = to_document(inbound)
    await listing.note(collections.floors, "inbound", document)
    await collections.inbound.insert_one(document, session=session)


async def refresh(
    collections: Collections, session: AsyncClientSession, sku: str, location_id: str
) -> None:
    total, first = 0, None
    query = {"sku": sku, "location_id": location_id, "status": EXPECTED}
    async for document in collections.inbound.find(query, session=session):
        total += document.get("quantity", 0)
        expected = document.get("expected_at")
        if expected is not None and (first is None or expected < first):
            first = expected
    now = utcnow()
    await listing.note(
        collections.floors, "stock", {"sku": sku, "location_id": location_id, "updated_at": now}
    )
    await collections.stock.update_one(
        {"_id": level_id(sku, location_id)},
        {
            "$set": {"inbound": total, "next_inbound_at": first, "updated_at": now},
            "$setOnInsert": {"sku": sku, "location_id": location_id, **EMPTY_LEVEL},
        },
        upsert=True,
        session=session,
    )
