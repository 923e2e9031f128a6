"""Returns: one document per return, idempotent by its request id."""

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
        IndexModel(
            [("request_id", ASCENDING)],
            unique=True,
            partialFilterExpression={"request_id": {"$type": "string"}},
            name="one_return_per_request",
        ),
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

    async def by_request(self, request_id: str) -> order_pb2.OrderReturn | None:
        document = await self.returns.find_one({"request_id": request_id})
        return None if document is None else from_document(document, order_pb2.OrderReturn)

    async def insert(
        self, order_return: order_pb2.OrderReturn, request_id: str, session: AsyncClientSession
    ) -> None:
        document = to_document(order_return) | {"request_id": request_id}
        await self.returns.insert_one(document, session=session)

    async def page(
        self, query: dict[str, Any], after: tuple[datetime, str] | None, limit: int
    ) -> list[order_pb2.OrderReturn]:
        query = before_cursor(query, "created_at", after)
        cursor = self.returns.find(query).sort([("created_at", DESCENDING), ("_id", DESCENDING)])
        docs = await cursor.limit(limit).to_list(limit)
        return [from_document(doc, order_pb2.OrderReturn) for doc in docs]
