"""The inventory's collections, indexes and queries."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from omni_kit.errors import AlreadyExists

INDEXES = {
    "locations": [IndexModel([("code", ASCENDING)], unique=True)],
    "stock": [IndexModel([("sku", ASCENDING), ("location_id", ASCENDING)], unique=True)],
}


class LocationStore:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self.locations = db["locations"]

    async def insert(
        self, document: dict[str, Any], session: AsyncClientSession | None = None
    ) -> None:
        try:
            await self.locations.insert_one(document, session=session)
        except DuplicateKeyError:
            raise AlreadyExists(
                f"a location with code {document['code']!r} already exists",
                reason="LOCATION_CODE_TAKEN",
                field="location.code",
            ) from None

    async def get(self, location_id: str) -> dict[str, Any] | None:
        return await self.locations.find_one({"_id": location_id})
