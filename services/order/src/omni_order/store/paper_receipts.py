"""Paper receipt blocks: ranges of numbers issued to a store, drawn from one counter so no two
blocks (of one store or of two) ever share a number."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from omni_kit.store import Document

BLOCKS = "paper_receipt_blocks"
# One document: the last number issued.
COUNTER = "paper_receipt_counter"
PAPER_RECEIPT_INDEXES = {BLOCKS: [IndexModel([("store_id", ASCENDING), ("first", ASCENDING)])]}


@dataclass(frozen=True)
class Block:
    id: str
    store_id: str
    first: int
    last: int
    issued_at: datetime

    def holds(self, number: int) -> bool:
        return self.first <= number <= self.last


class PaperReceiptStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.blocks = db[BLOCKS]
        self.counter = db[COUNTER]

    async def issue(
        self, session: AsyncClientSession, store_id: str, count: int, now: datetime
    ) -> Block:
        """The next `count` numbers, in the caller's transaction: concurrent issues conflict
        on the counter and one retries, so their ranges are disjoint."""
        document = await self.counter.find_one_and_update(
            {"_id": "last"},
            {"$inc": {"number": count}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
            session=session,
        )
        assert document is not None  # an upsert answering the document after it
        last = int(document["number"])
        block = Block(f"prb_{last - count + 1}", store_id, last - count + 1, last, now)
        await self.blocks.insert_one(
            {
                "_id": block.id,
                "store_id": store_id,
                "first": block.first,
                "last": block.last,
                "issued_at": now,
            },
            session=session,
        )
        return block

    async def of_store(self, store_id: str) -> list[Block]:
        documents = await self.blocks.find({"store_id": store_id}).sort("first", 1).to_list()
        return [
            Block(d["_id"], d["store_id"], d["first"], d["last"], d["issued_at"]) for d in documents
        ]

    async def holds(self, store_id: str, number: int) -> bool:
        found = await self.blocks.find_one(
            {"store_id": store_id, "first": {"$lte": number}, "last": {"$gte": number}}, {"_id": 1}
        )
        return found is not None
