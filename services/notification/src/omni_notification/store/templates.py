"""Templates, unique per (event_type, channel, language)."""

from __future__ import annotations

from datetime import datetime

from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from omni_kit.store import Document
from omni_notification.domain.common import ContactChannel
from omni_notification.domain.templates import Template
from omni_notification.store.documents import template_document, to_template

KEY_FIELDS = ("event_type", "channel", "language")
# Set by the store: never taken from a template being saved.
ASSIGNED = ("_id", "version", "created_at")
# What a save replaces. A document leaves empty values out, so a field the new template leaves
# empty (no HTML body, not urgent) is removed, not kept from the template it replaces.
REPLACED = ("subject", "body", "html_body", "purpose", "urgent", "variables", "updated_by")


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

    async def get(self, template_id: str) -> Template | None:
        document = await self.templates.find_one({"_id": template_id})
        return None if document is None else to_template(document)

    async def find(
        self, event_type: str, channel: ContactChannel, languages: list[str]
    ) -> Template | None:
        """The template in the first of `languages` that has one."""
        query = {"event_type": event_type, "channel": channel.value, "language": {"$in": languages}}
        found = await self.templates.find(query).to_list(len(languages))
        by_language = {document["language"]: document for document in found}
        return next(
            (to_template(by_language[tag]) for tag in languages if tag in by_language), None
        )

    async def count(self) -> int:
        return await self.templates.count_documents({})

    async def upsert(
        self,
        template: Template,
        new_id: str,
        now: datetime,
        expected_version: int,
        session: AsyncClientSession,
    ) -> Template | None:
        """Create or replace by (event_type, channel, language); None when the version is stale."""
        fields = {k: v for k, v in template_document(template).items() if k not in ASSIGNED}
        fields["updated_at"] = now
        query = {k: fields.pop(k) for k in KEY_FIELDS}
        if expected_version:
            query["version"] = expected_version
        update: Document = {
            "$set": fields,
            "$inc": {"version": 1},
            "$setOnInsert": {"_id": new_id, "created_at": now},
        }
        if emptied := {name: "" for name in REPLACED if name not in fields}:
            update["$unset"] = emptied
        stored = await self.templates.find_one_and_update(
            query,
            update,
            upsert=not expected_version,
            return_document=ReturnDocument.AFTER,
            session=session,
        )
        return None if stored is None else to_template(stored)

    async def delete(self, template_id: str, session: AsyncClientSession) -> bool:
        result = await self.templates.delete_one({"_id": template_id}, session=session)
        return result.deleted_count == 1

    async def page(self, query: Document, after: str | None, limit: int) -> list[Template]:
        if after is not None:
            query = {**query, "_id": {"$gt": after}}
        cursor = self.templates.find(query).sort("_id", ASCENDING).limit(limit)
        return [to_template(document) async for document in cursor]
