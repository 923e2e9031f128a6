"""MongoDB access shared by every service: the client, index bootstrap and transactions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

from opentelemetry.instrumentation.utils import suppress_instrumentation
from pymongo import AsyncMongoClient, IndexModel, WriteConcern, timeout
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError
from pymongo.read_concern import ReadConcern

T = TypeVar("T")

Document = dict[str, Any]


def mongo_client(
    uri: str, *, app_name: str, timeout_ms: int = 5000, **options: Any
) -> AsyncMongoClient[Document]:
    """A client with majority writes, UTC-aware datetimes and bounded server selection."""
    return AsyncMongoClient(
        uri,
        appname=app_name,
        tz_aware=True,
        w="majority",
        serverSelectionTimeoutMS=timeout_ms,
        connectTimeoutMS=timeout_ms,
        uuidRepresentation="standard",
        **options,
    )


class StoreProbe:
    """Whether the store answers, for health and readiness checks: a ping on a client of its own
    (one connection) bounded by PyMongo's own timeout, so a probe of a store that is down never
    touches, waits behind or cancels anything on the client that serves requests."""

    def __init__(self, uri: str, *, app_name: str, seconds: float) -> None:
        self.seconds = seconds
        self.client = mongo_client(
            uri, app_name=app_name, timeout_ms=max(1, int(seconds * 1000)), maxPoolSize=1
        )

    async def answers(self) -> bool:
        try:
            # A probe every few seconds is not a trace anyone wants to read.
            with suppress_instrumentation(), timeout(self.seconds):
                await ping(self.client)
        except PyMongoError:
            return False
        return True

    async def close(self) -> None:
        await self.client.close()


async def ensure_indexes(
    db: AsyncDatabase[Document],
    indexes: Mapping[str, Sequence[IndexModel]],
    obsolete: Mapping[str, Sequence[str]] | None = None,
) -> None:
    """Drop the `obsolete` indexes (by name, where they exist), then create each collection's
    indexes (idempotent; run at every start)."""
    for collection, names in (obsolete or {}).items():
        present = {index["name"] async for index in await db[collection].list_indexes()}
        for name in names:
            if name in present:
                await db[collection].drop_index(name)
    for collection, models in indexes.items():
        if models:
            await db[collection].create_indexes(list(models))


async def ping(client: AsyncMongoClient[Document]) -> None:
    await client.admin.command("ping")


async def transaction(
    client: AsyncMongoClient[Document],
    work: Callable[[AsyncClientSession], Awaitable[T]],
) -> T:
    """Run `work` in a multi-document transaction.

    PyMongo's with_transaction retries the whole callback on TransientTransactionError (with
    jittered backoff) and retries the commit on UnknownTransactionCommitResult, so `work` must
    only touch the store through the session it is given and must not have other side effects.
    """
    async with client.start_session() as session:
        return await session.with_transaction(
            work,
            read_concern=ReadConcern("snapshot"),
            write_concern=WriteConcern("majority"),
        )


def is_duplicate_key(error: PyMongoError) -> bool:
    return getattr(error, "code", None) == 11000
