"""Webhook delivery: events from NATS become deliveries; a dispatcher posts them, signed, with
exponential backoff, recording every attempt."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from google.protobuf.message import Message
from pymongo.errors import PyMongoError

from omni_gateway.settings import GatewaySettings
from omni_gateway.views.webhook_events import webhook_payload
from omni_gateway.webhooks.signing import sign
from omni_gateway.webhooks.store import DELIVERED, FAILED, PENDING, WebhookStore
from omni_gateway.webhooks.subscriptions import EVENT_TYPES, STREAMS, message_types, receives
from omni_kit.events import Consumer, EventBus, EventContext
from omni_kit.ids import utcnow
from omni_kit.logs import get_logger
from omni_kit.outbound import (
    DeliveryFailed,
    DestinationNotAllowed,
    OutboundClient,
    status_failure,
)

log = get_logger("omni.webhooks")
LEASE = timedelta(seconds=60)
MAX_BACKOFF = timedelta(hours=1)
STORE_RETRY_SECONDS = 2.0
# Events come in bursts (an import's products and stock): taken a hundred at a time.
INTAKE_BATCH = 100


def intake_consumers(bus: EventBus, store: WebhookStore) -> list[Consumer[Any]]:
    async def wanted(batch: Sequence[Message]) -> list[bool]:
        """Which events of a batch some webhook receives: one read per batch, so events no
        partner subscribed to (most of a bulk import's) cost no store work each."""
        metas = [event.meta for event in batch]  # type: ignore[attr-defined]
        types = {meta.event_type for meta in metas} & EVENT_TYPES
        hooks = await store.receiving(types) if types else []
        return [
            meta.event_type in types
            and any(receives(hook, meta.event_type, meta.channel.partner_id) for hook in hooks)
            for meta in metas
        ]

    async def intake(event: Message, context: EventContext) -> None:
        meta = event.meta  # type: ignore[attr-defined]
        if meta.event_type not in EVENT_TYPES:
            return
        await store.enqueue(
            meta.event_id,
            meta.event_type,
            meta.channel.partner_id,
            lambda partner_id: webhook_payload(event, partner_id),
        )

    return [
        Consumer(
            bus,
            stream,
            f"gateway-webhooks-{stream.lower()}",
            [f"omni.{stream[5:].lower()}.>"],
            intake,
            message_types(module),
            interest=wanted,
            batch=INTAKE_BATCH,
        )
        for stream, module in STREAMS.items()
    ]


class Dispatcher:
    def __init__(
        self,
        store: WebhookStore,
        settings: GatewaySettings,
        *,
        concurrency: int = 8,
        client: OutboundClient | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.slots = asyncio.Semaphore(concurrency)
        self.client = client or OutboundClient(
            settings.outbound_policy(), timeout=settings.webhook_timeout_seconds
        )

    async def run(self, idle_wait: float = 0.2) -> None:
        try:
            while True:
                await self.slots.acquire()
                try:
                    delivery = await self.store.claim_due(LEASE)
                except PyMongoError as error:  # the store is away: wait, then carry on
                    self.slots.release()
                    log.warning("webhook_store_unavailable", error=str(error))
                    await asyncio.sleep(STORE_RETRY_SECONDS)
                    continue
                if delivery is None:
                    self.slots.release()
                    await asyncio.sleep(idle_wait)
                    continue
                task = asyncio.create_task(self._deliver(delivery))
                task.add_done_callback(lambda _: self.slots.release())
        finally:
            await self.client.aclose()

    async def _deliver(self, delivery: dict[str, Any]) -> None:
        webhook = await self.store.webhook(delivery["webhook_id"])
        attempt_no = len(delivery["attempts"]) + 1
        if webhook is None or not webhook["active"]:
            await self.store.record_attempt(
                delivery["_id"], {"at": utcnow(), "error": "webhook removed"}, FAILED, None
            )
            return
        if webhook.get("secret") is None:  # sealed under another key: nothing to sign with
            unsigned = {"at": utcnow(), "error": "signing secret unavailable"}
            await self.store.record_attempt(delivery["_id"], unsigned, FAILED, None)
            return
        body: bytes = delivery["payload"]
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            "Omni-Webhook-Id": webhook["_id"],
            "Omni-Delivery-Id": delivery["_id"],
            "Omni-Event-Id": delivery["event_id"],
            "Omni-Event-Type": delivery["event_type"],
            "Omni-Timestamp": str(timestamp),
            "Omni-Signature": sign(webhook["secret"], timestamp, body),
        }
        started = time.perf_counter()
        attempt: dict[str, Any] = {"at": utcnow(), "number": attempt_no}
        # The partner reads the attempt: it says what happened in fixed words, never an
        # exception's text (which would map the network behind the gateway).
        ok = False
        try:
            reply = await self.client.post(webhook["url"], content=body, headers=headers)
            attempt["status_code"] = reply.status_code
            ok = reply.ok
            if not ok:
                attempt["error"] = status_failure(reply.status_code)
        except DestinationNotAllowed as refused:
            log.warning(
                "webhook_destination_refused", webhook=webhook["_id"], reason=refused.reason
            )
            attempt["error"] = refused.public
        except DeliveryFailed as failed:
            attempt["error"] = failed.public
        attempt["duration_ms"] = round((time.perf_counter() - started) * 1000, 1)
        if ok:
            await self.store.record_attempt(delivery["_id"], attempt, DELIVERED, None)
            return
        if attempt_no >= self.settings.webhook_max_attempts:
            log.warning("webhook_failed", delivery=delivery["_id"], attempts=attempt_no)
            await self.store.record_attempt(delivery["_id"], attempt, FAILED, None)
            return
        delay = min(
            timedelta(seconds=self.settings.webhook_first_retry_seconds * 2 ** (attempt_no - 1)),
            MAX_BACKOFF,
        )
        await self.store.record_attempt(delivery["_id"], attempt, PENDING, utcnow() + delay)
