"""The latest report of each store's node, one document per store (`_id` is the store id).

The centre cannot hear a node whose link is down, so "offline" is derived when the status is
read: no report within the staleness bound. What a node said last (its waiting sales, its
last outage) stays as it said it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from omni_kit.store import Document

STORE_NODES = "store_nodes"


@dataclass(frozen=True)
class Outage:
    started_at: datetime
    ended_at: datetime
    sales_waiting: int


@dataclass(frozen=True)
class Limits:
    """Offline card limits of a store, in its currency (minor units)."""

    currency: str
    card_sale_cap_minor: int
    card_stored_cap_minor: int
    card_max_age_seconds: int


@dataclass(frozen=True)
class NodeReport:
    store_id: str
    node_version: str
    sales_waiting: int
    oversold_units: int | None
    last_sync_at: datetime | None
    last_outage: Outage | None


@dataclass(frozen=True)
class NodeStatus:
    report: NodeReport
    # None: staff set the store's limits, but its node has not reported yet.
    last_contact_at: datetime | None
    online: bool
    limits: Limits | None = None

    @property
    def offline_since(self) -> datetime | None:
        return None if self.online else self.last_contact_at


class StoreNodeStore:
    def __init__(self, db: AsyncDatabase[Document], stale_seconds: float) -> None:
        self.nodes = db[STORE_NODES]
        self.stale = timedelta(seconds=stale_seconds)

    async def keep(self, report: NodeReport, now: datetime) -> NodeStatus:
        outage = report.last_outage
        document = await self.nodes.find_one_and_update(
            {"_id": report.store_id},
            {
                "$set": {
                    "node_version": report.node_version,
                    "sales_waiting": report.sales_waiting,
                    "oversold_units": report.oversold_units,
                    "last_sync_at": report.last_sync_at,
                    "last_outage": None if outage is None else vars(outage),
                    "last_contact_at": now,
                }
            },
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        assert document is not None  # an upsert answering the document after it
        return self._status(document, now)

    async def set_limits(self, store_id: str, limits: Limits) -> None:
        await self.nodes.update_one(
            {"_id": store_id}, {"$set": {"limits": vars(limits)}}, upsert=True
        )

    async def get(self, store_id: str, now: datetime) -> NodeStatus | None:
        document = await self.nodes.find_one({"_id": store_id})
        return None if document is None else self._status(document, now)

    async def list(self, store_ids: Sequence[str], now: datetime) -> list[NodeStatus]:
        query: Document = {"_id": {"$in": list(store_ids)}} if store_ids else {}
        documents = await self.nodes.find(query).sort("_id", 1).to_list()
        return [self._status(document, now) for document in documents]

    def _status(self, document: Document, now: datetime) -> NodeStatus:
        contact: datetime | None = document.get("last_contact_at")
        outage: dict[str, Any] | None = document.get("last_outage")
        limits: dict[str, Any] | None = document.get("limits")
        report = NodeReport(
            store_id=document["_id"],
            node_version=document.get("node_version", ""),
            sales_waiting=document.get("sales_waiting", 0),
            oversold_units=document.get("oversold_units"),
            last_sync_at=document.get("last_sync_at"),
            last_outage=None
            if not outage
            else Outage(outage["started_at"], outage["ended_at"], outage["sales_waiting"]),
        )
        return NodeStatus(
            report,
            contact,
            online=contact is not None and now - contact <= self.stale,
            limits=Limits(**limits) if limits else None,
        )
