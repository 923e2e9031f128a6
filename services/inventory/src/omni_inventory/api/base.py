"""What every part of the servicer shares: the store, settings, and one way to write."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from google.protobuf.message import Message
from pymongo.asynchronous.client_session import AsyncClientSession

from omni.common.v1 import common_pb2
from omni.inventory.v1 import inventory_pb2
from omni_inventory.locks import KeyedLocks
from omni_inventory.settings import InventorySettings
from omni_inventory.store import Collections
from omni_inventory.store import requests as idempotency
from omni_inventory.store.changes import StockChanges
from omni_kit.errors import NotFound
from omni_kit.idempotency import fingerprint
from omni_kit.protos import from_document
from omni_kit.runtime import Infrastructure

R = TypeVar("R", bound=Message)


class Base:
    def __init__(
        self, infra: Infrastructure, collections: Collections, settings: InventorySettings
    ) -> None:
        self.infra = infra
        self.collections = collections
        self.settings = settings
        self.locks = KeyedLocks()

    async def write(
        self,
        request: Message,
        response_type: type[R],
        work: Callable[[StockChanges], Awaitable[R]],
        *,
        actor: common_pb2.Actor | None = None,
        request_id: str = "",
    ) -> R:
        """Run `work` in one transaction with its stock events; replay by request_id if given."""
        scope = type(request).__name__
        digest = fingerprint(request.SerializeToString(deterministic=True))

        async def transaction(session: AsyncClientSession) -> R:
            if request_id:
                stored = await idempotency.replay(
                    self.collections, session, scope, request_id, digest
                )
                if stored is not None:
                    return response_type.FromString(stored)
            changes = StockChanges(
                self.collections,
                session,
                self.settings.low_stock_threshold,
                actor=actor,
                request_id=request_id,
            )
            response = await work(changes)
            await changes.finish(self.infra.outbox)
            if request_id:
                await idempotency.remember(
                    self.collections,
                    session,
                    scope,
                    request_id,
                    digest,
                    response.SerializeToString(),
                )
            return response

        return await self.infra.transaction(transaction)

    async def location(
        self, location_id: str, field: str, session: AsyncClientSession | None = None
    ) -> dict[str, Any]:
        """An active location, or NOT_FOUND naming the field."""
        document = await self.collections.locations.find_one(
            {"_id": location_id, "active": True}, session=session
        )
        if document is None:
            raise NotFound(
                f"no active location with id {location_id!r}",
                reason="LOCATION_NOT_FOUND",
                field=field,
            )
        return document


def location_message(document: dict[str, Any]) -> inventory_pb2.StockLocation:
    return from_document(document, inventory_pb2.StockLocation)
