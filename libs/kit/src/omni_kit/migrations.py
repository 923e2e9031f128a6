"""Versioned data migrations of a service's own database, run once at start before it serves.

A service declares its migrations as code (`MIGRATIONS` in `omni_<service>.store`):
`Migration(collection, version, description, apply)`. `schema_versions` holds each collection's
version and what ran; the runner applies, in order, those above it, under a lease (a document in
`migration_lease` with its owner and expiry, renewed while it runs), so of two replicas starting
together one migrates and the other waits, and a crashed runner's lease lapses. A migration must
be idempotent (a runner that lost its lease may have run part of it) and should work in batches.

By hand (same settings as the service): `python -m omni_kit.migrations <service>`.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import os
import socket
import sys
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from google.protobuf.message import Message
from pymongo import UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError, PyMongoError

from omni_kit.ids import utcnow
from omni_kit.logs import get_logger
from omni_kit.protos import reshaped

Document = dict[str, Any]
Apply = Callable[[AsyncCollection[Document]], Awaitable[Mapping[str, int]]]

# The first migration of every collection of proto documents (see omni_kit.protos).
TYPED_DOCUMENTS = "integers as numbers and every timestamp as a date, at every depth"
VERSIONS = "schema_versions"
LEASE = "migration_lease"
BATCH = 500

log = get_logger("omni.migrations")


@dataclass(frozen=True)
class Migration:
    collection: str
    version: int
    description: str
    # Gets the collection (its `.database` for others); returns counts for the log line.
    apply: Apply


async def migrate(
    db: AsyncDatabase[Document],
    migrations: Sequence[Migration],
    *,
    owner: str | None = None,
    lease: timedelta = timedelta(seconds=60),
    poll_seconds: float = 0.5,
) -> list[Migration]:
    """Apply the migrations above each collection's stored version; returns those this call
    applied (none when another runner did them)."""
    _check(migrations)
    if not await _pending(db, migrations):
        return []
    owner = owner or f"{socket.gethostname()}:{os.getpid()}:{id(db):x}"
    waited = False
    while not await _acquire(db, owner, lease):
        if not waited:
            log.info("migrations_waiting", database=db.name)
            waited = True
        await asyncio.sleep(poll_seconds)
        if not await _pending(db, migrations):
            return []
    renewal = asyncio.create_task(_renew(db, owner, lease))
    try:
        applied = []
        for migration in await _pending(db, migrations):
            await _apply(db, migration)
            applied.append(migration)
        return applied
    finally:
        renewal.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await renewal
        await db[LEASE].delete_one({"_id": "lease", "owner": owner})


def reshape(message_type: type[Message], *, batch: int = BATCH) -> Apply:
    """An `apply` rewriting every `message_type` document of its collection into today's stored
    shape (`omni_kit.protos`), in `_id` order, `batch` documents at a time. A field is only
    rewritten where it still holds the value read, so a write that came meanwhile wins."""

    async def apply(collection: AsyncCollection[Document]) -> Mapping[str, int]:
        scanned = changed = 0
        last: Any = None
        while True:
            query = {} if last is None else {"_id": {"$gt": last}}
            page = await collection.find(query).sort("_id", 1).limit(batch).to_list()
            if not page:
                return {"scanned": scanned, "changed": changed}
            last = page[-1]["_id"]
            scanned += len(page)
            writes = []
            for document in page:
                fields = reshaped(document, message_type)
                if fields:
                    read = {key: document.get(key, {"$exists": False}) for key in fields}
                    writes.append(UpdateOne({"_id": document["_id"], **read}, {"$set": fields}))
            if writes:
                changed += (await collection.bulk_write(writes, ordered=False)).modified_count

    return apply


def _check(migrations: Sequence[Migration]) -> None:
    seen: dict[str, int] = {}
    for migration in migrations:
        if migration.version <= seen.get(migration.collection, 0):
            raise ValueError(
                f"migrations of {migration.collection!r} must have rising versions from 1"
            )
        seen[migration.collection] = migration.version


async def _pending(db: AsyncDatabase[Document], migrations: Sequence[Migration]) -> list[Migration]:
    names = sorted({migration.collection for migration in migrations})
    stored = {
        document["_id"]: document.get("version", 0)
        async for document in db[VERSIONS].find({"_id": {"$in": names}}, {"version": 1})
    }
    return [m for m in migrations if m.version > stored.get(m.collection, 0)]


async def _acquire(db: AsyncDatabase[Document], owner: str, lease: timedelta) -> bool:
    now = utcnow()
    try:
        await db[LEASE].update_one(
            {"_id": "lease", "$or": [{"expires_at": {"$lte": now}}, {"owner": owner}]},
            {"$set": {"owner": owner, "expires_at": now + lease, "taken_at": now}},
            upsert=True,
        )
    except DuplicateKeyError:
        return False
    return True


async def _renew(db: AsyncDatabase[Document], owner: str, lease: timedelta) -> None:
    while True:
        await asyncio.sleep(lease.total_seconds() / 3)
        try:
            renewed = await db[LEASE].update_one(
                {"_id": "lease", "owner": owner}, {"$set": {"expires_at": utcnow() + lease}}
            )
        except PyMongoError as error:
            log.warning("migration_lease_not_renewed", database=db.name, error=str(error))
            continue
        if not renewed.matched_count:
            log.warning("migration_lease_lost", database=db.name, owner=owner)
            return


async def _apply(db: AsyncDatabase[Document], migration: Migration) -> None:
    started = time.monotonic()
    counts = dict(await migration.apply(db[migration.collection]))
    seconds = round(time.monotonic() - started, 3)
    await db[VERSIONS].update_one(
        {"_id": migration.collection},
        {
            "$max": {"version": migration.version},
            "$push": {
                "applied": {
                    "version": migration.version,
                    "description": migration.description,
                    "at": utcnow(),
                    "seconds": seconds,
                    **counts,
                }
            },
        },
        upsert=True,
    )
    log.info(
        "migration_applied",
        database=db.name,
        collection=migration.collection,
        version=migration.version,
        description=migration.description,
        seconds=seconds,
        **counts,
    )


def main(argv: Sequence[str]) -> None:
    """`python -m omni_kit.migrations <service>`: the service's `MIGRATIONS` (in
    `omni_<service>.store`) against its database, with its settings (`OMNI_<SERVICE>_*`)."""
    if len(argv) != 1:
        sys.exit("usage: python -m omni_kit.migrations <service>")
    from omni_kit.settings import ServiceSettings, load_settings
    from omni_kit.store import mongo_client

    service = argv[0]
    settings_module = importlib.import_module(f"omni_{service}.settings")
    settings_class = next(
        value
        for value in vars(settings_module).values()
        if isinstance(value, type)
        and issubclass(value, ServiceSettings)
        and value is not ServiceSettings
    )
    settings = load_settings(settings_class)
    migrations = importlib.import_module(f"omni_{service}.store").MIGRATIONS

    async def run() -> None:
        client = mongo_client(settings.mongo_uri, app_name=f"omni-{service}-migrations")
        try:
            applied = await migrate(client[settings.mongo_database], migrations)
            print(f"{len(applied)} migration(s) applied to {settings.mongo_database}")
        finally:
            await client.close()

    asyncio.run(run())


if __name__ == "__main__":
    main(sys.argv[1:])
