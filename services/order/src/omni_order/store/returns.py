"""Returns: one document per return."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from omni.order.v1 import order_pb2
from omni_kit.errors import NotFound
from omni_kit.protos import from_document, to_document
from omni_order.store.documents import before_cursor

RETURN_INDEXES = {
    "returns": [
        IndexModel([("order_id", ASCENDING), ("created_at", DESCENDING)]),
    ],
}


class ReturnStore:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self.returns = db["returns"]

    async def get(self, return_id: str) -> order_pb2.OrderReturn:
        document = await self.returns.find_one({"_id": return_id})
        if document is None:
            raise NotFound(
                f"no return with id {return_id!r}", reason="RETURN_NOT_FOUND", field="return_id"
            )
        return from_document(document, order_pb2.OrderReturn)

    async def insert(
        self, order_return: order_pb2.OrderReturn, session: AsyncClientSession
    ) -> None:
        await self.returns.insert_one(to_document(order_return), session=session)

    async def page(
        self, query: dict[str, Any], after: tuple[datetime, str] | None, limit: int
    ) -> list[order_pb2.OrderReturn]:
        query = before_cursor(query, "created_at", after)
        cursor = self.returns.find(query).sort([("created_at", DESCENDING), ("_id", DESCENDING)])
        docs = await cursor.limit(limit).to_list(limit)
        return [from_document(doc, order_pb2.OrderReturn) for doc in docs]
