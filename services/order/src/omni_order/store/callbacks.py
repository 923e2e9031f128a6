"""Payment provider callbacks already handled, by provider, payment and event type: a repeat is
answered as the first one and changes nothing."""

from __future__ import annotations

import contextlib
from typing import Any

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from omni_kit.ids import utcnow

RETENTION_SECONDS = 90 * 24 * 3600
CALLBACK_INDEXES = {
    "payment_callbacks": [
        IndexModel([("at", ASCENDING)], expireAfterSeconds=RETENTION_SECONDS, name="forget_after")
    ]
}


class PaymentCallbackStore:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self.callbacks = db["payment_callbacks"]

    async def handled(self, provider: str, dedupe_id: str) -> dict[str, Any] | None:
        return await self.callbacks.find_one({"_id": f"{provider}:{dedupe_id}"})

    async def remember(
        self, provider: str, dedupe_id: str, *, order_id: str, answer: dict[str, Any]
    ) -> None:
        # A duplicate key: the same callback, handled at the same time by another request.
        with contextlib.suppress(DuplicateKeyError):
            document = {"_id": f"{provider}:{dedupe_id}", "order_id": order_id, "answer": answer}
            await self.callbacks.insert_one(document | {"at": utcnow()})
