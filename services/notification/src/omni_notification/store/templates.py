"""Templates, unique per (event_type, channel, language)."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from omni.common.v1 import common_pb2
from omni_kit.store import Document


class TemplateStore:
    INDEXES = {
        "templates": [
            IndexModel(
                [("event_type", ASCENDING), ("channel", ASCENDING), ("language", ASCENDING)],
                unique=True,
            )
        ],
    }

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.templates = db["templates"]

    async def get(self, template_id: str) -> Document | None:
        return await self.templates.find_one({"_id": template_id})

    async def find(
        self, event_type: str, channel: common_pb2.ContactChannel.ValueType, languages: list[str]
    ) -> Document | None:
        """The template in the first of `languages` that has one."""
        query = {
            "event_type": event_type,
            "channel": common_pb2.ContactChannel.Name(channel),
            "language": {"$in": languages},
        }
        found = await self.templates.find(query).to_list(len(languages))
        by_language = {document["language"]: document for document in found}
        return next((by_language[tag] for tag in languages if tag in by_language), None)

    async def count(self) -> int:
        return await self.templates.count_documents({})

    async def upsert(
        self,
        key: dict[str, Any],
        fields: dict[str, Any],
        new_id: str,
        expected_version: int,
        session: AsyncClientSession,
    ) -> Document | None:
        """Create or replace by (event_type, channel, language); None when the version is stale."""
        query = dict(key)
        if expected_version:
            query["version"] = expected_version
        fields = dict(fields)
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
            session=session,
        )

    async def delete(self, template_id: str, session: AsyncClientSession) -> bool:
        result = await self.templates.delete_one({"_id": template_id}, session=session)
        return result.deleted_count == 1

    async def page(self, query: Document, after: str | None, limit: int) -> list[Document]:
        if after is not None:
            query = {**query, "_id": {"$gt": after}}
        return await self.templates.find(query).sort("_id", ASCENDING).limit(limit).to_list(limit)
