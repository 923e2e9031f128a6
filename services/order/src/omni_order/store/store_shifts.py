"""Till shifts (`_id` is the shift id) and the store's recovery period: the sales that reached the
centre after their shift was closed (`_id` is the sale id, so a sale is posted there once)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from omni_kit.shifts import TenderTotal
from omni_kit.store import Document
from omni_order.domain.store_shifts import CLOSED, OPEN, Shift
from omni_order.domain.values import Money

SHIFTS = "store_shifts"
RECOVERY = "store_recovery_postings"
STORE_SHIFT_INDEXES = {
    SHIFTS: [
        IndexModel([("store_id", ASCENDING), ("opened_at", DESCENDING)]),
        IndexModel([("store_id", ASCENDING), ("business_day", ASCENDING)]),
    ],
    RECOVERY: [IndexModel([("store_id", ASCENDING), ("posted_at", DESCENDING)])],
}
# Where a till sale went: into its open shift's totals, or the recovery period.
IN_SHIFT = "shift"
IN_RECOVERY = "recovery"


def _shift(document: Document) -> Shift:
    counted: dict[str, Any] | None = document.get("counted_cash")
    return Shift(
        shift_id=document["_id"],
        store_id=document["store_id"],
        till_id=document["till_id"],
        business_day=document["business_day"],
        opening_float=Money(**document["opening_float"]),
        opened_at=document["opened_at"],
        opened_by=document["opened_by"],
        state=document["state"],
        closed_at=document.get("closed_at"),
        closed_by=document.get("closed_by", ""),
        counted_cash=Money(**counted) if counted else None,
        tenders={name: TenderTotal(**t) for name, t in document.get("tenders", {}).items()},
    )


class StoreShiftStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.shifts = db[SHIFTS]
        self.recovery = db[RECOVERY]

    async def open(self, shift: Shift) -> tuple[Shift, bool]:
        """(the shift, True) when opened now; (the kept one, False) when its id was used."""
        document = asdict(shift) | {"_id": shift.shift_id}
        del document["shift_id"]
        try:
            await self.shifts.insert_one(document)
        except DuplicateKeyError:
            kept = await self.shifts.find_one({"_id": shift.shift_id})
            assert kept is not None  # shifts are never deleted
            return _shift(kept), False
        return shift, True

    async def close(
        self, store_id: str, shift_id: str, counted: Money, closed_at: datetime, by: str
    ) -> tuple[Shift, bool] | None:
        """(the shift, False) when closed now, (as it was closed, True) when closed before; None
        when the store has no such shift. Only an open shift changes, so a close conflicts with a
        sale adding to the shift, and one of them retries."""
        document = await self.shifts.find_one_and_update(
            {"_id": shift_id, "store_id": store_id, "state": OPEN},
            {
                "$set": {
                    "state": CLOSED,
                    "closed_at": closed_at,
                    "closed_by": by,
                    "counted_cash": asdict(counted),
                }
            },
            return_document=ReturnDocument.AFTER,
        )
        if document is not None:
            return _shift(document), False
        kept = await self.get(store_id, shift_id)
        return None if kept is None else (kept, True)

    async def get(self, store_id: str, shift_id: str) -> Shift | None:
        document = await self.shifts.find_one({"_id": shift_id, "store_id": store_id})
        return None if document is None else _shift(document)

    async def of_store(self, store_id: str, business_day: str, limit: int) -> list[Shift]:
        query: Document = {"store_id": store_id}
        if business_day:
            query["business_day"] = business_day
        documents = await self.shifts.find(query).sort("opened_at", -1).limit(limit).to_list()
        return [_shift(document) for document in documents]

    async def post_sale(
        self, session: AsyncClientSession, store_id: str, shift_id: str, tender: str, amount: int
    ) -> str | None:
        """In the sale's transaction: add it to its shift if open (IN_SHIFT), else IN_RECOVERY
        (the shift stays as closed); None when the store has no such shift."""
        added = await self.shifts.update_one(
            {"_id": shift_id, "store_id": store_id, "state": OPEN},
            {"$inc": {f"tenders.{tender}.sales": 1, f"tenders.{tender}.amount_minor": amount}},
            session=session,
        )
        if added.matched_count:
            return IN_SHIFT
        kept = await self.shifts.find_one(
            {"_id": shift_id, "store_id": store_id}, {"_id": 1}, session=session
        )
        return None if kept is None else IN_RECOVERY

    async def add_recovery(self, session: AsyncClientSession, posting: Document) -> None:
        await self.recovery.insert_one(posting, session=session)

    async def recovery_postings(self, store_id: str, limit: int) -> list[Document]:
        found = self.recovery.find({"store_id": store_id}).sort("posted_at", -1).limit(limit)
        return await found.to_list()

    async def recovery_totals(self, store_id: str) -> dict[str, TenderTotal]:
        rows = await self.recovery.aggregate(
            [
                {"$match": {"store_id": store_id}},
                {
                    "$group": {
                        "_id": "$tender",
                        "sales": {"$sum": 1},
                        "amount_minor": {"$sum": "$total.amount_minor"},
                    }
                },
            ]
        )
        return {row["_id"]: TenderTotal(row["sales"], row["amount_minor"]) async for row in rows}
