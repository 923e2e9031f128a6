"""The inventory's collections, indexes and the writes that must happen inside one transaction."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase

INDEXES = {
    "locations": [IndexModel([("code", ASCENDING)], unique=True)],
    "stock": [
        IndexModel([("sku", ASCENDING), ("location_id", ASCENDING)], unique=True),
        IndexModel([("location_id", ASCENDING), ("sku", ASCENDING)]),
        IndexModel([("updated_at", ASCENDING), ("sku", ASCENDING)]),
    ],
    "ledger": [IndexModel([("sku", ASCENDING), ("location_id", ASCENDING), ("seq", ASCENDING)])],
    "reservations": [
        IndexModel([("status", ASCENDING), ("expires_at", ASCENDING)]),
        IndexModel([("holder", ASCENDING), ("status", ASCENDING)]),
    ],
    "transfers": [IndexModel([("from_location_id", ASCENDING), ("to_location_id", ASCENDING)])],
    "inbound": [
        IndexModel([("sku", ASCENDING), ("location_id", ASCENDING), ("status", ASCENDING)])
    ],
}


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


def level_id(sku: str, location_id: str) -> str:
    return f"{sku}@{location_id}"
