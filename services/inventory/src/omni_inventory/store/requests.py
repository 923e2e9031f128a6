"""Idempotency by request_id inside the caller's transaction: the response is stored with the
effect, so a retry after a crash either sees both or neither."""

from __future__ import annotations

from pymongo.asynchronous.client_session import AsyncClientSession

from omni_inventory.store import Collections
from omni_kit.idempotency import IdempotencyKeyReused
from omni_kit.ids import utcnow


async def replay(
    collections: Collections, session: AsyncClientSession, scope: str, key: str, fingerprint: str
) -> bytes | None:
    record = await collections.requests.find_one({"_id": f"{scope}:{key}"}, session=session)
    if record is None:
        return None
    if record["fingerprint"] != fingerprint:
        raise IdempotencyKeyReused(
            f"request_id {key!r} was already used for a different request", field="request_id"
        )
    return bytes(record["response"])


async def remember(
    collections: Collections,
    session: AsyncClientSession,
    scope: str,
    key: str,
    fingerprint: str,
    response: bytes,
) -> None:
    await collections.requests.insert_one(
        {"_id": f"{scope}:{key}", "fingerprint": fingerprint, "response": response, "at": utcnow()},
        session=session,
    )
