"""The outbox relay: publishes committed events in order, then marks them sent.

A crash between publish and mark-sent publishes the event again on restart; JetStream drops
the copy by its Nats-Msg-Id (within the stream's duplicate window), so consumers see it once.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError

from omni_kit import faults
from omni_kit.events.backoff import Backoff
from omni_kit.events.bus import EventBus
from omni_kit.events.outbox import Outbox
from omni_kit.events.tasks import raise_if_cancelled
from omni_kit.logs import get_logger
from omni_kit.metrics import OUTBOX_BACKLOG, OUTBOX_OLDEST
from omni_kit.store import Document

log = get_logger("omni.outbox")

RETRY_BACKOFF = Backoff(first=0.2, maximum=10.0)


class OutboxRelay:
    def __init__(
        self,
        db: AsyncDatabase[Document],
        bus: EventBus,
        service_name: str,
        *,
        # Commits in this process wake the relay at once (notify); the poll only picks up what
        # another replica, or one that died, left behind.
        poll_interval: float = 1.0,
        batch_size: int = 100,
        backoff: Backoff = RETRY_BACKOFF,
        outbox: Outbox | None = None,
    ) -> None:
        self.outbox = outbox or Outbox(db)
        self.bus = bus
        self.service_name = service_name
        self.poll_interval = poll_interval
        self.batch_size = batch_size
        self.backoff = backoff
        self._wake = asyncio.Event()

    def notify(self) -> None:
        """Publish now rather than at the next poll (call after committing an event)."""
        self._wake.set()

    async def run(self) -> None:
        """Publish until cancelled; outages of NATS or the store are retried, never dropped."""
        failures = 0
        while True:
            raise_if_cancelled()
            try:
                await self.drain()
            # Whatever failed (NATS, the store, a bad stream), the events stay in the outbox.
            except Exception as error:
                delay = self.backoff.delay(failures)
                failures += 1
                log.warning("outbox_relay_retrying", error=str(error), retry_in=delay)
                await asyncio.sleep(delay)
                continue
            failures = 0
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.poll_interval):
                    await self._wake.wait()
            self._wake.clear()

    async def drain(self) -> None:
        """Publish until nothing is pending; raises if NATS or the store fails."""
        while await self.publish_pending() == self.batch_size:
            pass

    async def publish_pending(self) -> int:
        """One pass: publish up to batch_size unsent events oldest first; returns how many."""
        events = await self.outbox.pending(self.batch_size)
        if events:
            faults.reach("outbox.before_publish")
        published: list[str] = []
        try:
            # Stop at the first failure so a later event never overtakes an earlier one.
            for event in events:
                await self.publish(event)
                faults.reach("outbox.after_publish")
                published.append(event["_id"])
        finally:
            if published:
                await self.outbox.mark_sent(published)
            if len(published) == len(events) < self.batch_size:
                OUTBOX_BACKLOG.labels(self.service_name).set(0)  # drained: nothing to count
                OUTBOX_OLDEST.labels(self.service_name).set(0)
            else:
                with contextlib.suppress(PyMongoError):
                    OUTBOX_BACKLOG.labels(self.service_name).set(await self.outbox.backlog())
                    age = await self.outbox.oldest_pending_age()
                    OUTBOX_OLDEST.labels(self.service_name).set(age)
        return len(published)

    async def republish_since(self, since: datetime) -> tuple[int, int]:
        """Publish again every event written since `since`, in order, and mark the unsent ones
        sent: for a stream that lost events (restored from an older backup). Returns (published,
        dropped by JetStream as copies it still holds). Consumers' inboxes drop what they had."""
        published = duplicates = 0
        async for event in self.outbox.written_since(since):
            if await self.publish(event):
                duplicates += 1
            published += 1
            if event.get("sent_at") is None:
                await self.outbox.mark_sent([event["_id"]])
        return published, duplicates

    async def publish(self, event: dict[str, Any]) -> bool:
        """Publish one stored event; True if JetStream dropped it as a copy it holds."""
        duplicate = await self.bus.publish_payload(
            event["subject"],
            bytes(event["payload"]),
            event_id=event["_id"],
            event_type=event["type"],
            headers=event.get("headers") or {},
        )
        if duplicate:
            log.info("outbox_duplicate_dropped", event_id=event["_id"], subject=event["subject"])
        return duplicate
