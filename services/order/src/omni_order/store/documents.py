"""Versioned documents: a proto resource saved with optimistic concurrency on its `version`."""

from __future__ import annotations

from typing import Any

from google.protobuf.message import Message
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection

from omni_kit.errors import Conflict
from omni_kit.protos import to_document


async def save_version(
    collection: AsyncCollection[dict[str, Any]],
    resource: Message,
    extra: dict[str, Any],
    session: AsyncClientSession | None = None,
) -> None:
    """Write `resource` (whose `version` is the one being written) over the previous version."""
    document = to_document(resource) | extra
    document.pop("_id")
    missing = {
        field.name: ""
        for field in resource.DESCRIPTOR.fields
        if field.name != "id" and field.name not in document
    }
    update: dict[str, Any] = {"$set": document}
    if missing:
        update["$unset"] = missing
    version = resource.version  # type: ignore[attr-defined]
    result = await collection.update_one(
        {"_id": resource.id, "version": version - 1},  # type: ignore[attr-defined]
        update,
        session=session,
    )
    if result.matched_count != 1:
        raise Conflict(
            f"{resource.id} was changed by someone else meanwhile; reload it and try again",  # type: ignore[attr-defined]
            reason="CONCURRENT_CHANGE",
        )
