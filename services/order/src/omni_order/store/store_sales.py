"""Till sales: the one order per sale_id (a unique index on the orders, kept for good) and the
payloads that arrived under a sale_id already used by another sale, kept aside for staff."""

from __future__ import annotations

from datetime import datetime

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection

from omni_kit.store import Document

QUARANTINE = "store_sale_quarantine"
# Stored cards declined when their sale reached the centre, one per sale (`_id` is the sale id).
PAYMENT_DUE = "store_payment_due"
STORE_SALE_INDEXES = {
    "orders": [
        IndexModel(
            [("store_sale_id", ASCENDING)],
            unique=True,
            partialFilterExpression={"store_sale_id": {"$gte": ""}},
            name="one_order_per_store_sale",
        )
    ],
    QUARANTINE: [IndexModel([("sale_id", ASCENDING), ("first_seen_at", ASCENDING)])],
    PAYMENT_DUE: [IndexModel([("store_id", ASCENDING), ("raised_at", DESCENDING)])],
}


def sale_fields(
    sale_id: str, fingerprint: str, tender: str, offline: bool, *, paper_receipt_number: int = 0
) -> Document:
    """The fields a till sale's order carries next to the order itself."""
    store_sale: Document = {"fingerprint": fingerprint, "tender": tender, "sold_offline": offline}
    if paper_receipt_number:
        store_sale["paper_receipt_number"] = paper_receipt_number
    return {"store_sale_id": sale_id, "store_sale": store_sale}


async def quarantine(
    collection: AsyncCollection[Document],
    session: AsyncClientSession,
    *,
    sale_id: str,
    fingerprint: str,
    payload: bytes,
    order_id: str,
    now: datetime,
) -> None:
    """Keep a conflicting payload once (the same conflict sent again counts its arrivals)."""
    await collection.update_one(
        {"_id": f"{sale_id}:{fingerprint}"},
        {
            "$setOnInsert": {
                "sale_id": sale_id,
                "payload": payload,
                "recorded_order_id": order_id,
                "first_seen_at": now,
            },
            "$inc": {"arrivals": 1},
        },
        upsert=True,
        session=session,
    )


async def raise_payment_due(
    collection: AsyncCollection[Document], session: AsyncClientSession, task: Document
) -> None:
    """In the transaction that writes the sale's order: the order's unique sale id makes it
    once per sale, however often the sale is sent."""
    await collection.insert_one(task, session=session)


async def payments_due(
    collection: AsyncCollection[Document], store_ids: list[str], limit: int
) -> list[Document]:
    query: Document = {"store_id": {"$in": store_ids}} if store_ids else {}
    return await collection.find(query).sort("raised_at", -1).limit(limit).to_list()
