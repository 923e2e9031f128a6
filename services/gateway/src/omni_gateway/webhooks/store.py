"""Webhook subscriptions and deliveries, with every attempt recorded."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from omni_gateway.security.sealing import DEVELOPMENT_KEY, SealError, SecretBox, reseal
from omni_gateway.store import Db
from omni_gateway.webhooks.subscriptions import recipient_filter
from omni_kit.ids import new_id, utcnow
from omni_kit.logs import get_logger

log = get_logger("omni.gateway")

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


class WebhookStore:
    """Signing secrets are stored sealed (`secret_sealed`); rows from before that keep a plaintext
    `secret`, which is read as it is and sealed by seal_under_current_key() at the next start."""

    def __init__(self, db: Db, box: SecretBox | None = None) -> None:
        self.webhooks = db["webhooks"]
        self.deliveries = db["webhook_deliveries"]
        self.box = box or SecretBox(DEVELOPMENT_KEY)

    async def register(
        self,
        partner_id: str,
        url: str,
        event_types: list[str],
        session: AsyncClientSession | None = None,
    ) -> dict[str, Any]:
        secret = secrets.token_hex(32)
        webhook = {
            "_id": new_id("whk"),
            "partner_id": partner_id,
            "url": url,
            "event_types": sorted(set(event_types)),
            "secret_sealed": self.box.seal(secret),
            "active": True,
            "created_at": utcnow(),
        }
        await self.webhooks.insert_one(webhook, session=session)
        return {**webhook, "secret": secret}  # shown to the partner once, never stored so

    async def seal_under_current_key(self) -> int:
        """Seal the secrets of rows written before secrets were sealed, and reseal under the
        current key those sealed under the previous one; safe on every replica."""
        sealed = 0
        async for row in self.webhooks.find({"secret": {"$exists": True}}, {"secret": 1}):
            result = await self.webhooks.update_one(
                {"_id": row["_id"], "secret": row["secret"]},
                {"$set": {"secret_sealed": self.box.seal(row["secret"])}, "$unset": {"secret": ""}},
            )
            sealed += result.modified_count
        sealed += await reseal(self.webhooks, "secret_sealed", self.box, {})
        if sealed:
            log.info("webhook_secrets_sealed", count=sealed)
        return sealed

    async def list_for(self, partner_id: str) -> list[dict[str, Any]]:
        cursor = self.webhooks.find({"partner_id": partner_id, "active": True}).sort(
            "created_at", 1
        )
        return await cursor.to_list(200)

    async def deactivate(self, partner_id: str, webhook_id: str) -> bool:
        result = await self.webhooks.update_one(
            {"_id": webhook_id, "partner_id": partner_id, "active": True},
            {"$set": {"active": False}},
        )
        return result.modified_count == 1

    async def receiving(self, event_types: Iterable[str]) -> list[dict[str, Any]]:
        """The active webhooks subscribed to any of these event types, in one read of the
        event_types index (what a batch of events needs to know who receives each)."""
        query = {"event_types": {"$in": sorted(set(event_types))}, "active": True}
        cursor = self.webhooks.find(query, {"event_types": 1, "partner_id": 1})
        return await cursor.to_list(None)

    async def enqueue(
        self,
        event_id: str,
        event_type: str,
        partner_id: str,
        payload_for: Callable[[str], bytes],
    ) -> int:
        """One delivery per subscribed webhook, with the body made for its partner; a redelivered
        event adds nothing (unique index)."""
        added = 0
        payloads: dict[str, bytes] = {}
        async for webhook in self.webhooks.find(recipient_filter(event_type, partner_id)):
            recipient = webhook["partner_id"]
            if recipient not in payloads:
                payloads[recipient] = payload_for(recipient)
            payload = payloads[recipient]
            try:
                await self.deliveries.insert_one(
                    {
                        "_id": new_id("dlv"),
                        "webhook_id": webhook["_id"],
                        "partner_id": webhook["partner_id"],
                        "event_id": event_id,
                        "event_type": event_type,
                        "payload": payload,
                        "status": PENDING,
                        "attempts": [],
                        "next_attempt_at": utcnow(),
                        "created_at": utcnow(),
                    }
                )
                added += 1
            except DuplicateKeyError:
                pass
        return added

    async def claim_due(self, lease: timedelta) -> dict[str, Any] | None:
        """Take one due delivery; the lease keeps other gateway replicas off it meanwhile."""
        now = utcnow()
        return await self.deliveries.find_one_and_update(
            {"status": PENDING, "next_attempt_at": {"$lte": now}},
            {"$set": {"next_attempt_at": now + lease}},
            sort=[("next_attempt_at", 1)],
            return_document=ReturnDocument.AFTER,
        )

    async def webhook(self, webhook_id: str) -> dict[str, Any] | None:
        """The webhook with its signing secret opened (`secret` None when this key cannot)."""
        webhook = await self.webhooks.find_one({"_id": webhook_id})
        if webhook is not None and "secret_sealed" in webhook:
            try:
                webhook["secret"] = self.box.open(webhook.pop("secret_sealed"))
            except SealError:
                log.error("webhook_secret_unreadable", webhook=webhook_id)
                webhook["secret"] = None
        return webhook

    async def record_attempt(
        self,
        delivery_id: str,
        attempt: dict[str, Any],
        status: str,
        next_attempt_at: datetime | None,
    ) -> None:
        update: dict[str, Any] = {"$push": {"attempts": attempt}, "$set": {"status": status}}
        if next_attempt_at is not None:
            update["$set"]["next_attempt_at"] = next_attempt_at
        await self.deliveries.update_one({"_id": delivery_id}, update)

    async def list_deliveries(
        self, partner_id: str, webhook_id: str | None, status: str | None, limit: int
    ) -> list[dict[str, Any]]:
        query: dict[str, Any] = {"partner_id": partner_id}
        if webhook_id:
            query["webhook_id"] = webhook_id
        if status:
            query["status"] = status
        cursor = self.deliveries.find(query, {"payload": 0}).sort("created_at", -1).limit(limit)
        return await cursor.to_list(limit)

    async def replay(self, partner_id: str, delivery_id: str) -> dict[str, Any] | None:
        return await self.deliveries.find_one_and_update(
            {"_id": delivery_id, "partner_id": partner_id},
            {"$set": {"status": PENDING, "next_attempt_at": utcnow()}},
            projection={"payload": 0},
            return_document=ReturnDocument.AFTER,
        )
