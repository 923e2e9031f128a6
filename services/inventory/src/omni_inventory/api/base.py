"""What every part of the servicer shares: the store, settings, and one way to write."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

from google.protobuf.message import Message
from grpc import aio
from pymongo.asynchronous.client_session import AsyncClientSession

from omni.common.v1 import common_pb2
from omni.inventory.v1 import inventory_pb2
from omni_inventory.locks import KeyedLocks
from omni_inventory.settings import InventorySettings
from omni_inventory.store import Collections
from omni_inventory.store.changes import StockChanges
from omni_kit.errors import NotFound
from omni_kit.expiring import Expiring
from omni_kit.idempotency import Command
from omni_kit.protos import from_document
from omni_kit.runtime import Infrastructure

R = TypeVar("R", bound=Message)
Work = Callable[[StockChanges], Awaitable[R]]
Plan = Callable[[], Awaitable[Work[R]]]


class Base:
    def __init__(
        self, infra: Infrastructure, collections: Collections, settings: InventorySettings
    ) -> None:
        self.infra = infra
        self.collections = collections
        self.settings = settings
        self.locks = KeyedLocks()
        # Every location, for the RPCs that only read them (promise, sourcing, nearby lists);
        # ReserveStock reads which are active in its own transaction, so a copy up to
        # `location_cache_seconds` old (a change through another replica) sells nothing.
        self.location_cache = Expiring(settings.location_cache_seconds)

    async def write(
        self,
        context: aio.ServicerContext,
        request: Message,
        response_type: type[R],
        plan: Plan[R],
        *,
        actor: common_pb2.Actor | None = None,
        skus: Iterable[str] = (),
    ) -> R:
        """Run a caller's change through the kit's idempotency pipeline, queued per SKU.

        `plan` reads and checks, then returns the work: the changes it makes through a
        StockChanges in the command's transaction, whose stock events are added with it. A repeat
        under the caller's key answers from the stored response without planning again."""
        command = Command.of(context, request)

        async def decide() -> Callable[[AsyncClientSession], Awaitable[R]]:
            work = await plan()

            async def write(session: AsyncClientSession) -> R:
                changes = StockChanges(
                    self.collections,
                    session,
                    self.settings.low_stock_threshold,
                    actor=actor,
                    request_id=command.key if command else "",
                )
                response = await work(changes)
                await changes.finish(self.infra.outbox)
                return response

            return write

        async with self.locks.hold(skus):
            return await self.infra.idempotency.run(context, request, response_type, decide)

    async def location(
        self, location_id: str, field: str, session: AsyncClientSession | None = None
    ) -> dict[str, Any]:
        """An active location, or NOT_FOUND naming the field."""
        document = await self.collections.locations.find_one(
            {"_id": location_id, "active": True}, session=session
        )
        return _active(document, location_id, field)

    async def location_documents(self) -> list[dict[str, Any]]:
        """Every location document (active or not) from this process's copy."""

        async def read() -> list[dict[str, Any]]:
            return [document async for document in self.collections.locations.find({})]

        return await self.location_cache.get("all", read)

    async def cached_location(self, location_id: str, field: str) -> dict[str, Any]:
        """`location` from this process's copy: for RPCs that only read."""
        documents = await self.location_documents()
        found = next((d for d in documents if d["_id"] == location_id and d.get("active")), None)
        return _active(found, location_id, field)


def _active(document: dict[str, Any] | None, location_id: str, field: str) -> dict[str, Any]:
    if document is None:
        raise NotFound(
            f"no active location with id {location_id!r}",
            reason="LOCATION_NOT_FOUND",
            field=field,
        )
    return document


def location_message(document: dict[str, Any]) -> inventory_pb2.StockLocation:
    return from_document(document, inventory_pb2.StockLocation)


def no_checks(work: Work[R]) -> Plan[R]:
    """The plan of a change that reads nothing before its transaction."""

    async def plan() -> Work[R]:
        return work

    return plan
