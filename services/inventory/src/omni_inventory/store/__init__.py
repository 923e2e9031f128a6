"""The inventory's collections, indexes and the writes that must happen inside one transaction."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from omni.inventory.v1 import inventory_pb2
from omni_inventory.domain.locations import city_key
from omni_inventory.store.listing import rebuild_floors
from omni_kit.floors import Floors
from omni_kit.migrations import TYPED_DOCUMENTS, Migration, reshape


def _list(field: str, *leading: str) -> IndexModel:
    """An index serving a list filtered by equality on `leading`, sorted by `field` (see
    store/listing.py: LISTS names the same leading fields)."""
    return IndexModel([*((name, ASCENDING) for name in leading), (field, ASCENDING), ("_id", 1)])


INDEXES = {
    "locations": [
        IndexModel([("code", ASCENDING)], unique=True),
        _list("code", "city_key"),
        _list("code", "kind"),
        _list("code", "active"),
    ],
    "stock": [
        IndexModel([("sku", ASCENDING), ("location_id", ASCENDING)], unique=True),
        _list("sku", "location_id"),
        _list("updated_at"),
    ],
    "ledger": [
        IndexModel([("sku", ASCENDING), ("location_id", ASCENDING), ("seq", ASCENDING)]),
        _list("seq", "sku"),
        _list("seq", "location_id"),
        _list("seq"),
    ],
    "reservations": [
        IndexModel([("status", ASCENDING), ("expires_at", ASCENDING)]),
        IndexModel([("kind", ASCENDING), ("status", ASCENDING), ("expires_at", ASCENDING)]),
        IndexModel([("holder", ASCENDING), ("status", ASCENDING)]),
        _list("created_at", "owner.order_id"),
        _list("created_at", "owner.cart_id"),
        _list("created_at", "owner.customer_id"),
        _list("created_at", "skus"),
        _list("created_at", "status"),
        _list("created_at"),
    ],
    "transfers": [
        IndexModel([("from_location_id", ASCENDING), ("to_location_id", ASCENDING)]),
        _list("created_at", "from_location_id"),
        _list("created_at", "to_location_id"),
        _list("created_at", "status"),
        _list("created_at"),
    ],
    "inbound": [
        IndexModel([("sku", ASCENDING), ("location_id", ASCENDING), ("status", ASCENDING)]),
        _list("expected_at", "sku", "location_id"),
        _list("expected_at", "sku"),
        _list("expected_at", "location_id"),
        _list("expected_at", "status"),
        _list("expected_at"),
    ],
}


async def _city_keys(collection: AsyncCollection[dict[str, Any]]) -> Mapping[str, int]:
    """Every location gets `city_key`, its address's city as the city filter compares it."""
    changed = 0
    async for document in collection.find({"city_key": {"$exists": False}}):
        city = (document.get("address") or {}).get("city", "")
        written = await collection.update_one(
            {"_id": document["_id"], "city_key": {"$exists": False}},
            {"$set": {"city_key": city_key(city)}},
        )
        changed += written.modified_count
    return {"changed": changed}


MIGRATIONS = [
    Migration("locations", 1, TYPED_DOCUMENTS, reshape(inventory_pb2.StockLocation)),
    Migration("locations", 2, "city_key: the city a location list filters by", _city_keys),
    Migration("policies", 1, TYPED_DOCUMENTS, reshape(inventory_pb2.ChannelStockPolicy)),
    Migration("reservations", 1, TYPED_DOCUMENTS, reshape(inventory_pb2.Reservation)),
    Migration("transfers", 1, TYPED_DOCUMENTS, reshape(inventory_pb2.Transfer)),
    Migration("inbound", 1, TYPED_DOCUMENTS, reshape(inventory_pb2.InboundStock)),
    Migration("floors", 1, "where each oldest-first list starts", rebuild_floors),
]


class Collections:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self.locations = db["locations"]
        self.stock = db["stock"]
        self.ledger = db["ledger"]
        self.reservations = db["reservations"]
        self.transfers = db["transfers"]
        self.inbound = db["inbound"]
        self.policies = db["policies"]
        self.holders = db["holders"]
        self.floors = Floors(db["floors"])


def level_id(sku: str, location_id: str) -> str:
    return f"{sku}@{location_id}"
