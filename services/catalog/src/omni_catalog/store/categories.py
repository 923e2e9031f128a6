"""The category tree: each category stores its ancestors and slug path."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from omni_catalog.domain.categories import Category
from omni_catalog.store.documents import category_document, category_of
from omni_kit.errors import AlreadyExists, Conflict, NotFound


class CategoryStore:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self.categories = db["categories"]

    async def insert(self, category: Category, session: AsyncClientSession) -> None:
        try:
            await self.categories.insert_one(category_document(category), session=session)
        except DuplicateKeyError:
            raise path_taken(category.path) from None

    async def replace(
        self, category: Category, expected_version: int, session: AsyncClientSession
    ) -> None:
        try:
            result = await self.categories.replace_one(
                {"_id": category.id, "version": expected_version},
                category_document(category),
                session=session,
            )
        except DuplicateKeyError:
            raise path_taken(category.path) from None
        if result.matched_count == 0:
            raise Conflict(
                f"category {category.id!r} changed meanwhile; read it again and retry",
                reason="VERSION_MISMATCH",
                field="expected_version",
            )

    async def get(self, category_id: str, field: str = "category_id") -> Category:
        document = await self.categories.find_one({"_id": category_id})
        if document is None:
            raise NotFound(
                f"no category with id {category_id!r}",
                reason="CATEGORY_NOT_FOUND",
                field=field,
                metadata={"category_id": category_id},
            )
        return category_of(document)

    async def missing(self, category_ids: Sequence[str]) -> list[str]:
        """The ids in `category_ids` that name no category."""
        cursor = self.categories.find({"_id": {"$in": list(category_ids)}}, {"_id": 1})
        found = {document["_id"] async for document in cursor}
        return [category_id for category_id in category_ids if category_id not in found]

    async def by_ids(
        self, category_ids: Sequence[str], session: AsyncClientSession | None = None
    ) -> dict[str, Category]:
        if not category_ids:
            return {}
        cursor = self.categories.find({"_id": {"$in": list(category_ids)}}, session=session)
        return {document["_id"]: category_of(document) async for document in cursor}

    async def descendants(
        self, category_id: str, session: AsyncClientSession | None = None
    ) -> list[Category]:
        cursor = self.categories.find({"ancestor_ids": category_id}, session=session)
        return [category_of(document) async for document in cursor]

    async def page(
        self, query: dict[str, Any], after: dict[str, Any] | None, limit: int
    ) -> list[Category]:
        """Categories by path (parents before children), after a cursor. The filter and the
        cursor name different fields, so they merge into one plain filter (a one-item `$and`
        keeps some stores off the index)."""
        combined = {**query, **(after or {})}
        cursor = self.categories.find(combined).sort([("path", ASCENDING)]).limit(limit)
        return [category_of(document) async for document in cursor]


def path_taken(path: str) -> AlreadyExists:
    return AlreadyExists(
        f"a category with the path {path!r} exists; siblings need different slugs",
        reason="CATEGORY_SLUG_TAKEN",
        field="category.slug",
        metadata={"path": path},
    )
