"""Durable pull consumers with explicit ack, bounded retries and a dead-letter subject."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic

import nats
import structlog
from google.protobuf.message import Message
from nats.aio.msg import Msg
from nats.js import JetStreamContext, api
from opentelemetry.trace import Status, StatusCode

from omni_kit.attributes import searchable_attributes
from omni_kit.events.backoff import Backoff
from omni_kit.events.bus import BusUnavailable, EventBus
from omni_kit.events.codec import M, PoisonMessage, decode
from omni_kit.events.deadletter import dead_letter_headers, dead_letter_id
from omni_kit.events.names import AGGREGATE, EVENT_TYPE, MSG_ID, dlq_subject
from omni_kit.events.tasks import raise_if_cancelled
from omni_kit.events.tracing import consumer_span
from omni_kit.logs import get_logger
from omni_kit.metrics import CONSUMER_LAG, CONSUMER_REDELIVERIES, EVENTS_HANDLED

log = get_logger("omni.consumer")

RETRY_BACKOFF = Backoff(first=1.0, maximum=60.0)


@dataclass(frozen=True)
class EventContext:
    event_id: str
    subject: str
    delivery: int
    headers: Mapping[str, str]
    stream_sequence: int


Handler = Callable[[M, EventContext], Awaitable[None]]


class Consumer(Generic[M]):
    """Runs `handler` for each message; ack on success, nak with backoff on failure, and after
    `max_deliver` deliveries (or at once for an undecodable payload) park it on omni.dlq.<durable>.
    """

    def __init__(
        self,
        bus: EventBus,
        stream: str,
        durable: str,
        subjects: str | Sequence[str],
        handler: Handler[M],
        message_type: type[M] | Sequence[type[Message]],
        *,
        max_deliver: int = 5,
        ack_wait: float = 30.0,
        backoff: Backoff = RETRY_BACKOFF,
        handler_timeout: float = 30.0,
        batch: int = 10,
        fetch_timeout: float = 1.0,
        lag_interval: float = 5.0,
    ) -> None:
        self.bus = bus
        self.stream = stream
        self.durable = durable
        self.subjects = [subjects] if isinstance(subjects, str) else list(subjects)
        self.handler = handler
        self.message_type = message_type
        self.max_deliver = max_deliver
        self.ack_wait = ack_wait
        self.backoff = backoff
        self.handler_timeout = handler_timeout
        self.batch = batch
        self.fetch_timeout = fetch_timeout
        self.lag_interval = lag_interval
        self._sub: JetStreamContext.PullSubscription | None = None
        self._lag_checked = 0.0

    def _labels(self, outcome: str | None = None) -> tuple[str, ...]:
        base = (self.bus.service_name, self.durable)
        return base if outcome is None else (*base, outcome)

    async def start(self) -> JetStreamContext.PullSubscription:
        """Create or update the durable consumer and the dead-letter stream, then bind to it."""
        await self.bus.ensure_dead_letter_stream()
        config = api.ConsumerConfig(
            name=self.durable,
            durable_name=self.durable,
            ack_policy=api.AckPolicy.EXPLICIT,
            ack_wait=self.ack_wait,
            # Unlimited on the server, bounded here: the server would silently stop after
            # max_deliver (an advisory only), losing a message whose last attempt crashed or
            # whose dead-letter publish failed. Here the last attempt always reaches the DLQ.
            max_deliver=-1,
            filter_subjects=self.subjects,
        )
        await self.bus.js.add_consumer(self.stream, config)
        self._sub = await self.bus.js.pull_subscribe_bind(self.durable, stream=self.stream)
        return self._sub

    async def stop(self) -> None:
        sub, self._sub = self._sub, None
        if sub is not None:
            with contextlib.suppress(nats.errors.Error):
                await sub.unsubscribe()

    async def run(self) -> None:
        """Fetch and handle batches until cancelled; connection trouble is retried with backoff."""
        failures = 0
        try:
            while True:
                raise_if_cancelled()
                try:
                    sub = self._sub or await self.start()
                    messages = await sub.fetch(self.batch, timeout=self.fetch_timeout)
                except TimeoutError:  # nats-py raises both its own and asyncio's
                    messages = []
                except (nats.errors.Error, BusUnavailable) as error:
                    delay = self.backoff.delay(failures)
                    failures += 1
                    log.warning("consumer_retrying", consumer=self.durable, error=str(error))
                    await self.stop()
                    await asyncio.sleep(delay)
                    continue
                raise_if_cancelled()
                failures = 0
                await self.handle_batch(messages)
                await self._update_lag()
        finally:
            await self.stop()

    async def handle_batch(self, messages: Sequence[Msg]) -> None:
        if not messages:
            return
        # Each aggregate's events one at a time, in the order they were stored; different
        # aggregates side by side (events without an aggregate header share one lane).
        lanes: dict[str, list[Msg]] = {}
        for message in messages:
            lanes.setdefault((message.headers or {}).get(AGGREGATE, ""), []).append(message)
        keepalive = asyncio.create_task(self._keep_in_progress(messages))
        try:
            await asyncio.gather(*(self._handle_in_order(lane) for lane in lanes.values()))
        finally:
            keepalive.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keepalive

    async def _handle_in_order(self, lane: list[Msg]) -> None:
        for message in lane:
            try:
                await self.handle(message)
            except nats.errors.Error as error:
                # The ack was lost: the message comes back after ack_wait, and the
                # handler's inbox makes that harmless.
                log.warning("consumer_ack_failed", consumer=self.durable, error=str(error))

    async def handle(self, message: Msg) -> None:
        headers = message.headers or {}
        meta = message.metadata
        context = EventContext(
            event_id=headers.get(MSG_ID) or f"{meta.stream}:{meta.sequence.stream}",
            subject=message.subject,
            delivery=meta.num_delivered,
            headers=headers,
            stream_sequence=meta.sequence.stream,
        )
        if context.delivery > 1:
            CONSUMER_REDELIVERIES.labels(*self._labels()).inc()
        with (
            structlog.contextvars.bound_contextvars(
                event_id=context.event_id, consumer=self.durable
            ),
            consumer_span(context.subject, context.event_id, self.durable, headers) as span,
        ):
            try:
                event = decode(self.message_type, message.data, headers)
                span.set_attributes(searchable_attributes(event))
                async with asyncio.timeout(self.handler_timeout):
                    await self.handler(event, context)
            except Exception as error:
                span.record_exception(error)
                span.set_status(Status(StatusCode.ERROR, str(error)))
                await self._failed(message, context, error)
                return
            await message.ack()
            EVENTS_HANDLED.labels(*self._labels("ok")).inc()

    async def _failed(self, message: Msg, context: EventContext, error: Exception) -> None:
        poison = isinstance(error, PoisonMessage)
        if poison or context.delivery >= self.max_deliver:
            await self._dead_letter(message, context, error, "poison" if poison else "dead_letter")
            return
        delay = self.backoff.delay(context.delivery - 1)
        log.warning("event_retry", error=str(error), delivery=context.delivery, retry_in=delay)
        await message.nak(delay=delay)
        EVENTS_HANDLED.labels(*self._labels("retry")).inc()

    async def _dead_letter(
        self, message: Msg, context: EventContext, error: Exception, outcome: str
    ) -> None:
        headers = dead_letter_headers(
            context.headers,
            event_id=context.event_id,
            consumer=self.durable,
            subject=context.subject,
            stream_sequence=context.stream_sequence,
            deliveries=context.delivery,
            error=error,
        )
        try:
            await self.bus.publish_payload(
                dlq_subject(self.durable),
                message.data,
                event_id=dead_letter_id(self.durable, context.event_id),
                event_type=context.headers.get(EVENT_TYPE, ""),
                headers=headers,
            )
        except Exception as publish_error:
            # Not parked yet: leave it pending so a later delivery tries the DLQ again.
            log.warning("dead_letter_failed", error=str(publish_error))
            await message.nak(delay=self.backoff.delay(context.delivery - 1))
            return
        await message.term()
        log.error(
            "event_dead_lettered", error=str(error), outcome=outcome, delivery=context.delivery
        )
        EVENTS_HANDLED.labels(*self._labels(outcome)).inc()

    async def _keep_in_progress(self, messages: Sequence[Msg]) -> None:
        """Tell the server the batch is still being worked on, so a message that waits behind
        a slow one is not redelivered to another replica meanwhile."""
        while True:
            await asyncio.sleep(self.ack_wait / 2)
            for message in messages:
                if not message.is_acked:
                    with contextlib.suppress(nats.errors.Error):
                        await message.in_progress()

    async def _update_lag(self) -> None:
        now = time.monotonic()
        if self._sub is None or now - self._lag_checked < self.lag_interval:
            return
        self._lag_checked = now
        with contextlib.suppress(nats.errors.Error):
            info = await self._sub.consumer_info()
            CONSUMER_LAG.labels(*self._labels()).set(info.num_pending or 0)
