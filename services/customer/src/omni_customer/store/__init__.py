"""The customer service's collections, indexes and queries."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from omni_customer.store import profiles, records, timeline
from omni_customer.store.profiles import ProfileStore
from omni_customer.store.records import ConsentHistory, LoyaltyLedger, MergeStore
from omni_customer.store.timeline import TimelineStore

INDEXES = {**profiles.INDEXES, **timeline.INDEXES, **records.INDEXES}


class CustomerStore:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self.profiles = ProfileStore(db)
        self.timeline = TimelineStore(db)
        self.merges = MergeStore(db)
        self.consents = ConsentHistory(db)
        self.ledger = LoyaltyLedger(db)


__all__ = ["INDEXES", "CustomerStore"]
