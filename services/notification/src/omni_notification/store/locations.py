"""The notification service's own copy of stores and warehouses, kept from inventory's
`location.changed` events, so a message names its store without asking inventory while it
sends (a slow or unreachable inventory never holds a customer's message back)."""

from __future__ import annotations

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from omni.inventory.v1 import inventory_pb2
from omni_kit.protos import to_document
from omni_kit.store import Document
from omni_notification.domain.places import Place
from omni_notification.store.documents import to_place


class LocationStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.locations = db["locations"]

    async def keep(
        self, location: inventory_pb2.StockLocation, session: AsyncClientSession
    ) -> None:
        """Store the location as inventory published it, unless the copy already holds this
        version or a later one (events of one location can arrive out of order after a
        redelivery)."""
        kept = await self.locations.find_one({"_id": location.id}, {"version": 1}, session=session)
        if kept is not None and kept.get("version", 0) >= location.version:
            return
        await self.locations.replace_one(
            {"_id": location.id}, to_document(location), upsert=True, session=session
        )

    async def get(self, location_id: str) -> Place | None:
        document = await self.locations.find_one({"_id": location_id})
        return None if document is None else to_place(document)
