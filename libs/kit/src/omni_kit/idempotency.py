"""Idempotency keys: the first request under a key runs; repeats replay its stored response.

Same key + same request fingerprint -> the stored response, without running the work again.
Same key + a different request -> IdempotencyKeyReused (the caller's mistake).
Same key while the first is still running -> IdempotencyInProgress (retry later), never a
second effect. A request whose work fails releases its key so it can be retried.
A key left "running" by a crashed process is taken over once its lease has passed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from omni_kit.errors import Conflict, InvalidArgument
from omni_kit.ids import utcnow
from omni_kit.store import Document

COLLECTION = "idempotency"
INDEXES = [IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0)]


class IdempotencyKeyReused(InvalidArgument):
    default_reason = "IDEMPOTENCY_KEY_REUSED"


class IdempotencyInProgress(Conflict):
    default_reason = "IDEMPOTENCY_REQUEST_IN_PROGRESS"


@dataclass(frozen=True)
class Outcome:
    response: bytes
    replayed: bool


def fingerprint(*parts: bytes | str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


class IdempotencyStore:
    def __init__(
        self,
        db: AsyncDatabase[Document],
        *,
        lease: timedelta = timedelta(seconds=30),
        retention: timedelta = timedelta(hours=24),
    ) -> None:
        self.records = db[COLLECTION]
        self.lease = lease
        self.retention = retention

    async def ensure_indexes(self) -> None:
        await self.records.create_indexes(INDEXES)

    async def run(
        self, scope: str, key: str, request_fingerprint: str, work: Callable[[], Awaitable[bytes]]
    ) -> Outcome:
        record_id = f"{scope}:{key}"
        claim = await self._claim(record_id, request_fingerprint)
        if isinstance(claim, Outcome):
            return claim
        try:
            response = await work()
        except BaseException:
            await self.records.delete_one({"_id": record_id, "lease_until": claim})
            raise
        await self.records.update_one(
            {"_id": record_id, "lease_until": claim},
            {"$set": {"state": "done", "response": response, "completed_at": utcnow()}},
        )
        return Outcome(response, replayed=False)

    async def _claim(self, record_id: str, request_fingerprint: str) -> datetime | Outcome:
        """Our lease's end when this request may run, or the stored outcome to replay."""
        for _ in range(3):
            now = utcnow()
            lease_until = now + self.lease
            try:
                await self.records.insert_one(
                    {
                        "_id": record_id,
                        "fingerprint": request_fingerprint,
                        "state": "running",
                        "lease_until": lease_until,
                        "expires_at": now + self.retention,
                    }
                )
                return lease_until
            except DuplicateKeyError:
                record = await self.records.find_one({"_id": record_id})
            if record is None:  # the first request failed and released the key meanwhile
                continue
            if record["fingerprint"] != request_fingerprint:
                raise IdempotencyKeyReused(
                    "this idempotency key was already used for a different request",
                    field="Idempotency-Key",
                )
            if record["state"] == "done":
                return Outcome(record["response"], replayed=True)
            taken = await self.records.update_one(
                {"_id": record_id, "state": "running", "lease_until": {"$lt": now}},
                {"$set": {"lease_until": lease_until}},
            )
            if taken.modified_count == 1:
                return lease_until
            break
        raise IdempotencyInProgress(
            "a request with this idempotency key is still being processed; retry shortly"
        )
