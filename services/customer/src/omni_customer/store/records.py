"""Append-only records: merges (with what moved), the consent history, the loyalty ledger."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from omni_customer.domain.merge import MergeStatus, ProfileMerge
from omni_customer.domain.preferences import Consent
from omni_customer.domain.values import Actor
from omni_customer.store.documents import consent_document, enum_name, merge_document, to_merge
from omni_kit import keyset
from omni_kit.ids import new_id

Session = AsyncClientSession | None
# Newest first: (merged_at as epoch milliseconds, _id).
Cursor = tuple[int, str]

MERGED_AT = keyset.time_axis("merged_at")


def _newest(*fields: str) -> IndexModel:
    keys = [*((f, ASCENDING) for f in fields), ("merged_at", DESCENDING), ("_id", DESCENDING)]
    return IndexModel(keys)


INDEXES = {
    "merges": [
        IndexModel([("survivor_id", ASCENDING)]),
        IndexModel([("merged_id", ASCENDING)]),
        _newest(),
        _newest("survivor_id"),
        _newest("merged_id"),
        _newest("status"),
    ],
    "consents": [IndexModel([("profile_id", ASCENDING), ("recorded_at", ASCENDING)])],
    "loyalty_ledger": [IndexModel([("profile_id", ASCENDING), ("at", ASCENDING)])],
}


def merge_cursor(merge: ProfileMerge) -> Cursor:
    merged_at = merge.merged_at or datetime.fromtimestamp(0, UTC)
    return int(merged_at.timestamp() * 1000), merge.id


class MergeStore:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self.merges = db["merges"]

    async def insert(self, merge: ProfileMerge, session: AsyncClientSession) -> None:
        await self.merges.insert_one(merge_document(merge), session=session)

    async def get(self, merge_id: str, session: Session = None) -> ProfileMerge | None:
        document = await self.merges.find_one({"_id": merge_id}, session=session)
        return None if document is None else to_merge(document)

    async def save(self, merge: ProfileMerge, session: AsyncClientSession) -> None:
        await self.merges.update_one(
            {"_id": merge.id},
            {"$set": {k: v for k, v in merge_document(merge).items() if k != "_id"}},
            session=session,
        )

    async def forget_identities(
        self, profile_ids: Sequence[str], session: AsyncClientSession
    ) -> None:
        """Erasure: merge records keep which profiles were joined, not the identities."""
        for side in ("survivor_id", "merged_id"):
            await self.merges.update_many(
                {side: {"$in": list(profile_ids)}},
                {"$unset": {"moved_identities": ""}},
                session=session,
            )

    async def page(
        self,
        profile_id: str,
        statuses: Sequence[MergeStatus | None],
        after: Cursor | None,
        limit: int,
    ) -> list[ProfileMerge]:
        names = ["MERGE_STATUS_UNSPECIFIED" if s is None else enum_name(s) for s in statuses]
        keep = None
        if profile_id:
            # A profile takes part in a few merges: its two branches, the statuses checked.
            branches: list[dict[str, Any]] = [
                {"survivor_id": profile_id},
                {"merged_id": profile_id},
            ]
            if names:

                def keep(document: dict[str, Any]) -> bool:
                    return document.get("status") in names

        else:
            branches = [{"status": name} for name in names] or [{}]
        found = await keyset.page(
            self.merges,
            branches,
            MERGED_AT,
            whole=bool(profile_id),  # a profile takes part in a few merges
            limit=limit,
            after=None
            if after is None
            else (datetime.fromtimestamp(after[0] / 1000, UTC), after[1]),
            keep=keep,
        )
        return [to_merge(document) for document in found]

    async def involving(self, profile_ids: Sequence[str]) -> list[ProfileMerge]:
        ids = list(profile_ids)
        found: dict[str, dict[str, Any]] = {}
        for side in ("survivor_id", "merged_id"):
            async for document in self.merges.find({side: {"$in": ids}}):
                found[document["_id"]] = document
        ordered = sorted(found.values(), key=lambda document: document["merged_at"])
        return [to_merge(document) for document in ordered]


class ConsentHistory:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self.records = db["consents"]

    async def append(self, profile_id: str, consent: Consent, session: AsyncClientSession) -> None:
        document = {"_id": new_id("cst"), "profile_id": profile_id, **consent_document(consent)}
        await self.records.insert_one(document, session=session)

    async def of(self, profile_ids: Sequence[str]) -> list[dict[str, Any]]:
        cursor = self.records.find({"profile_id": {"$in": list(profile_ids)}})
        return [document async for document in cursor.sort("recorded_at", ASCENDING)]


class LoyaltyLedger:
    """One record per adjustment: "order:<id>" for the points an order earned (once per order),
    "adjustment:<id>" for each adjustment by staff (the idempotency pipeline runs it once)."""

    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self.records = db["loyalty_ledger"]

    async def get(self, key: str, session: Session = None) -> dict[str, Any] | None:
        return await self.records.find_one({"_id": key}, session=session)

    async def append(
        self,
        key: str,
        *,
        profile_id: str,
        delta: int,
        balance: int,
        reason: str,
        order_id: str,
        actor: Actor,
        at: datetime,
        session: AsyncClientSession,
    ) -> None:
        kind = enum_name(actor.kind) if actor.kind else "ACTOR_KIND_UNSPECIFIED"
        record = {
            "_id": key,
            "profile_id": profile_id,
            "delta": delta,
            "balance": balance,
            "reason": reason,
            "order_id": order_id,
            "actor": {"kind": kind, "id": actor.id},
            "at": at,
        }
        await self.records.insert_one(record, session=session)

    async def of(self, profile_ids: Sequence[str]) -> list[dict[str, Any]]:
        cursor = self.records.find({"profile_id": {"$in": list(profile_ids)}})
        return [document async for document in cursor.sort("at", ASCENDING)]
