"""Returns: one document per return."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from omni_kit import keyset
from omni_kit.errors import NotFound
from omni_order.domain.returns import OrderReturn
from omni_order.store.documents import from_document, to_document

CREATED = keyset.time_axis("created_at")


def _newest(*fields: str) -> IndexModel:
    return IndexModel(
        [*((name, ASCENDING) for name in fields), ("created_at", DESCENDING), ("_id", DESCENDING)]
    )


RETURN_INDEXES = {
    "returns": [
        _newest("order_id"),
        _newest("receiving_location_id", "status"),
        _newest("receiving_location_id"),
        _newest("status"),
        _newest(),
    ],
}


OBSOLETE_RETURN_INDEXES = {"returns": ["one_return_per_request"]}


LISTS: list[tuple[str, ...]] = [
    ("order_id",),
    ("receiving_location_id", "status"),
    ("receiving_location_id",),
    ("status",),
    (),
]


class ReturnStore:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self.returns = db["returns"]

    async def get(self, return_id: str) -> OrderReturn:
        document = await self.returns.find_one({"_id": return_id})
        if document is None:
            raise NotFound(
                f"no return with id {return_id!r}", reason="RETURN_NOT_FOUND", field="return_id"
            )
        return from_document(document, OrderReturn)

    async def insert(self, order_return: OrderReturn, session: AsyncClientSession) -> None:
        await self.returns.insert_one(to_document(order_return), session=session)

    async def page(
        self,
        order_id: str,
        location_id: str,
        statuses: list[str],
        after: tuple[datetime, str] | None,
        limit: int,
    ) -> list[OrderReturn]:
        """Newest first; `after` is the (created_at, id) of the previous page's last return."""
        wanted = {
            "order_id": [order_id] if order_id else [],
            "receiving_location_id": [location_id] if location_id else [],
            "status": statuses,
        }
        branches, rest = keyset.plan(wanted, LISTS)
        docs = await keyset.page(
            self.returns,
            branches,
            CREATED,
            limit=limit,
            after=after,
            keep=keyset.keeps(rest),
            whole=bool(order_id),  # an order has a return or two
        )
        return [from_document(doc, OrderReturn) for doc in docs]
