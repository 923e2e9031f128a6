"""The one idempotency path: every state-changing RPC runs once per (caller, key).

The caller's key and identity travel in gRPC metadata (`omni-idempotency-key`, `omni-caller`);
the gateway scopes a client's `Idempotency-Key` to the principal, a service calling another
names itself. A command's record (key, fingerprint of the request, response) is written in the
same store transaction as its state change and its outbox events, so a crash leaves all of
them or none. Then:

- same key, same request: the stored response, byte for byte, marked replayed
  (`omni-idempotent-replayed: true` in the trailing metadata);
- same key, another request: IDEMPOTENCY_KEY_REUSED (INVALID_ARGUMENT) naming the key;
- same key while the first is still running: IDEMPOTENCY_REQUEST_IN_PROGRESS (ABORTED).

A command may have a continuation (`then`) that runs after its transaction, such as the saga of
a placed order; the record then holds a lease until the continuation stores the final response.
A continuation whose process died is taken over by the next retry once the lease has passed,
so it must be idempotent itself. Records expire after the retention (TTL index).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from bson import Binary
from google.protobuf.message import Message
from grpc import aio
from pymongo import ASCENDING, AsyncMongoClient, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from omni_kit.errors import Conflict, InvalidArgument
from omni_kit.ids import utcnow
from omni_kit.store import Document, transaction

KEY_METADATA = "omni-idempotency-key"
CALLER_METADATA = "omni-caller"
REPLAYED_METADATA = "omni-idempotent-replayed"
COLLECTION = "idempotency"
# Unnamed, as the earlier kit made it: a store that has it already starts without a conflict.
INDEXES = [IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0)]
KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,255}$")  # printable ASCII, no spaces

R = TypeVar("R", bound=Message)
T = TypeVar("T")
Work = Callable[[AsyncClientSession], Awaitable[T]]
Plan = Callable[[], Awaitable[Work[T]]]
Then = Callable[[T], Awaitable[T]]


@dataclass(frozen=True)
class Codec(Generic[T]):
    """How a response is stored in its record and read back for a replay."""

    encode: Callable[[T], bytes]
    decode: Callable[[bytes], T]


class IdempotencyKeyReused(InvalidArgument):
    default_reason = "IDEMPOTENCY_KEY_REUSED"


class IdempotencyInProgress(Conflict):
    default_reason = "IDEMPOTENCY_REQUEST_IN_PROGRESS"


class _Recorded(Exception):
    """The command's record exists: a concurrent duplicate committed first. Its own type, so a
    duplicate key the work's own writes meet is not taken for one."""


def check_key(key: str, field: str = "Idempotency-Key") -> str:
    if not KEY_PATTERN.match(key):
        raise InvalidArgument(
            "an idempotency key is 1-255 printable ASCII characters without spaces", field=field
        )
    return key


def call_metadata(key: str, caller: str) -> tuple[tuple[str, str], ...]:
    """Metadata for an outgoing call that must not run twice: the key and who is asking."""
    return ((KEY_METADATA, check_key(key)), (CALLER_METADATA, caller))


def was_replayed(trailing_metadata: Any) -> bool:
    return any(k == REPLAYED_METADATA and v == "true" for k, v in trailing_metadata or ())


def fingerprint(*parts: bytes | str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


@dataclass(frozen=True)
class Command:
    """One keyed request: what makes it the same request again."""

    method: str
    caller: str
    key: str
    fingerprint: str

    @property
    def record_id(self) -> str:
        return f"{self.method}|{self.caller}|{self.key}"

    def key_for(self, step: str) -> str:
        """The key of a call this command makes to another service: the same on every retry."""
        return hashlib.sha256(f"{self.record_id}|{step}".encode()).hexdigest()[:40]

    @classmethod
    def of(cls, context: aio.ServicerContext, request: Message) -> Command | None:
        metadata = dict(context.invocation_metadata() or ())
        key = metadata.get(KEY_METADATA)
        if not key:
            return None
        method = type(request).DESCRIPTOR.full_name
        return cls(
            method=method,
            caller=str(metadata.get(CALLER_METADATA, "")),
            key=check_key(str(key)),
            fingerprint=fingerprint(method, request.SerializeToString(deterministic=True)),
        )


def require_command(context: aio.ServicerContext, request: Message) -> Command:
    """The command a call that must carry a key is (INVALID_ARGUMENT without one)."""
    command = Command.of(context, request)
    if command is None:
        raise InvalidArgument(
            f"{type(request).DESCRIPTOR.name.removesuffix('Request')} needs an idempotency key",
            field="Idempotency-Key",
        )
    return command


class Idempotency:
    def __init__(
        self,
        client: AsyncMongoClient[Document],
        db: AsyncDatabase[Document],
        *,
        retention: timedelta = timedelta(hours=24),
        lease: timedelta = timedelta(seconds=30),
        on_commit: Callable[[], None] = lambda: None,
    ) -> None:
        self.client = client
        self.records = db[COLLECTION]
        self.retention = retention
        self.lease = lease
        self.on_commit = on_commit

    @staticmethod
    def indexes() -> dict[str, list[IndexModel]]:
        return {COLLECTION: INDEXES}

    async def run(
        self,
        context: aio.ServicerContext,
        request: Message,
        response_type: type[R],
        plan: Plan[R],
        *,
        then: Then[R] | None = None,
    ) -> R:
        """Run a state-changing RPC once per key.

        `plan` decides (reads and checks, no writes of its own; calls to other services carry
        keys derived from this command) and returns the write: a function that changes state
        and adds its outbox events through the session it is given, inside one transaction,
        and returns the response. A repeat skips `plan` and answers from the record written
        with that transaction. `then` runs after the commit (it must be idempotent).
        """

        def replayed() -> None:
            context.set_trailing_metadata(((REPLAYED_METADATA, "true"),))

        return await self.once(
            Command.of(context, request),
            plan,
            Codec(lambda response: response.SerializeToString(), response_type.FromString),
            replayed=replayed,
            then=then,
        )

    async def once(
        self,
        command: Command | None,
        plan: Plan[T],
        codec: Codec[T],
        *,
        replayed: Callable[[], None] = lambda: None,
        then: Then[T] | None = None,
    ) -> T:
        """`run` for any response that `codec` stores: the gateway's own writes use it too."""
        if command is None:
            response = await self._transaction(await plan())
            return await then(response) if then else response
        for _ in range(3):
            stored = await self.records.find_one({"_id": command.record_id})
            if stored is None:
                write = await plan()
                try:
                    response, lease_until = await self._first(
                        command, write, codec, then is not None
                    )
                except _Recorded:
                    continue  # a concurrent duplicate committed first: answer as its repeat
                return await self._continue(command, lease_until, response, codec, then)
            response = codec.decode(bytes(stored["response"]))
            if self._finished(command, stored):
                replayed()
                return response
            lease_until = await self._take_over(command)
            # The first attempt died in its continuation: carry it on from what was committed.
            return await self._continue(command, lease_until, response, codec, then)
        raise self._in_progress(command)

    def _finished(self, command: Command, stored: Document) -> bool:
        """True for a finished command; False for a continuation that may be taken over."""
        if stored["fingerprint"] != command.fingerprint:
            raise IdempotencyKeyReused(
                f"idempotency key {command.key!r} was already used for a different request",
                field="Idempotency-Key",
                metadata={"key": command.key},
            )
        if stored["state"] == "done":
            return True
        if stored["lease_until"] >= utcnow():
            raise self._in_progress(command)
        return False

    async def _take_over(self, command: Command) -> datetime:
        now = utcnow()
        lease_until = now + self.lease
        taken = await self.records.update_one(
            {"_id": command.record_id, "state": "continuing", "lease_until": {"$lt": now}},
            {"$set": {"lease_until": lease_until}},
        )
        if taken.modified_count != 1:
            raise self._in_progress(command)
        return lease_until

    @staticmethod
    def _in_progress(command: Command) -> IdempotencyInProgress:
        return IdempotencyInProgress(
            f"a request with idempotency key {command.key!r} is still being processed; "
            "retry shortly",
            field="Idempotency-Key",
        )

    async def _first(
        self, command: Command, work: Work[T], codec: Codec[T], continues: bool
    ) -> tuple[T, datetime | None]:
        now = utcnow()
        lease_until = now + self.lease if continues else None

        async def run(session: AsyncClientSession) -> T:
            if await self.records.find_one({"_id": command.record_id}, {"_id": 1}, session=session):
                raise _Recorded
            response = await work(session)
            try:
                await self.records.insert_one(
                    {
                        "_id": command.record_id,
                        "fingerprint": command.fingerprint,
                        "state": "continuing" if continues else "done",
                        "response": Binary(codec.encode(response)),
                        "lease_until": lease_until,
                        "created_at": now,
                        "expires_at": now + self.retention,
                    },
                    session=session,
                )
            except DuplicateKeyError:
                raise _Recorded from None
            return response

        return await self._transaction(run), lease_until

    async def _continue(
        self,
        command: Command,
        lease_until: datetime | None,
        response: T,
        codec: Codec[T],
        then: Then[T] | None,
    ) -> T:
        if then is None:
            return response
        final = await then(response)
        await self.records.update_one(
            {"_id": command.record_id, "lease_until": lease_until},
            {"$set": {"state": "done", "response": Binary(codec.encode(final))}},
        )
        return final

    async def _transaction(self, work: Work[T]) -> T:
        result = await transaction(self.client, work)
        self.on_commit()
        return result
