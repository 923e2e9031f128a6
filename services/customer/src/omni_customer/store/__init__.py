"""The customer service's collections, indexes and queries."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from omni.customer.v1 import customer_pb2
from omni_customer.store import profiles, records, timeline
from omni_customer.store.profiles import ProfileStore
from omni_customer.store.records import ConsentHistory, LoyaltyLedger, MergeStore
from omni_customer.store.timeline import TimelineStore
from omni_kit.migrations import TYPED_DOCUMENTS, Migration, reshape

INDEXES = {**profiles.INDEXES, **timeline.INDEXES, **records.INDEXES}
MIGRATIONS = [
    Migration("profiles", 1, TYPED_DOCUMENTS, reshape(customer_pb2.Profile)),
    Migration("timeline", 1, TYPED_DOCUMENTS, reshape(customer_pb2.TimelineEntry)),
    Migration("merges", 1, TYPED_DOCUMENTS, reshape(customer_pb2.ProfileMerge)),
    Migration("consents", 1, TYPED_DOCUMENTS, reshape(customer_pb2.Consent)),
]


class CustomerStore:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self.profiles = ProfileStore(db)
        self.timeline = TimelineStore(db)
        self.merges = MergeStore(db)
        self.consents = ConsentHistory(db)
        self.ledger = LoyaltyLedger(db)


__all__ = ["INDEXES", "MIGRATIONS", "CustomerStore"]
