"""The notification service's collections, indexes and queries."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

INDEXES = {
    "templates": [
        IndexModel(
            [("event_type", ASCENDING), ("channel", ASCENDING), ("language", ASCENDING)],
            unique=True,
        )
    ],
}


class TemplateStore:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self.templates = db["templates"]

    async def get(self, template_id: str) -> dict[str, Any] | None:
        return await self.templates.find_one({"_id": template_id})

    async def upsert(
        self, key: dict[str, Any], fields: dict[str, Any], new_id: str, expected_version: int
    ) -> dict[str, Any] | None:
        """Create or replace by (event_type, channel, language); None when the version is stale."""
        query = dict(key)
        if expected_version:
            query["version"] = expected_version
        created_at = fields.pop("created_at")
        return await self.templates.find_one_and_update(
            query,
            {
                "$set": fields,
                "$inc": {"version": 1},
                "$setOnInsert": {"_id": new_id, "created_at": created_at},
            },
            upsert=not expected_version,
            return_document=ReturnDocument.AFTER,
        )
