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
from nats.aio.msg import Msg
from nats.js import JetStreamContext, api
from opentelemetry.trace import Status, StatusCode

from omni_kit.attributes import searchable_attributes
from omni_kit.events.backoff import Backoff
from omni_kit.events.bus import BusUnavailable, EventBus
from omni_kit.events.codec import M, PoisonMessage, decode
from omni_kit.events.deadletter import (
    ORIGINAL_EVENT_ID,
    REPLAY_FOR,
    count_dead_letters,
    dead_letter_headers,
    dead_letter_id,
)
from omni_kit.events.lanes import Lanes, sequence
from omni_kit.events.names import EVENT_TYPE, MSG_ID, dlq_subject
from omni_kit.events.tasks import raise_if_cancelled
from omni_kit.events.tracing import consumer_span
from omni_kit.logs import get_logger
from omni_kit.metrics import CONSUMER_LAG, CONSUMER_REDELIVERIES, DEAD_LETTERS, EVENTS_HANDLED

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
# Which of a batch's events concern anyone (one answer per event, in order).
Interest = Callable[[Sequence[M]], Awaitable[Sequence[bool]]]


class Consumer(Generic[M]):
    """Runs `handler` for each message; ack on success, nak with backoff on failure, and after
    `max_deliver` deliveries (or at once for an undecodable payload) park it on omni.dlq.<durable>.

    Each aggregate's events (the `Omni-Aggregate` header) are handled one at a time in stream
    order, different aggregates side by side. An event that fails holds back the later events of
    its aggregate, from this batch and later ones, until it is handled or parked (see `Lanes`);
    other aggregates keep flowing.

    That order is exact within one process. With several replicas on one durable, the server
    gives each delivery to any of them: an event this process holds stays in progress here, so
    no replica handles it before what it waits for is settled; the failed event's retry may go
    to another replica, and this process lets its held events go once the consumer's ack floor
    passes it. A later event fetched by a replica that has not seen the failure is handled at
    once, as it would be without holds. Nothing is lost: a held event is handled here, handed
    back at shutdown to come due after its predecessor's retry, or (if this process dies)
    redelivered after `ack_wait`.

    With `interest`, a fetched batch is first asked, in one call, which of its events concern
    anyone (a consumer that acts for subscribers: one read of the subscriptions the batch could
    touch); the others are acked without running the handler, so a burst of events nobody
    waits for (a bulk import's stock) costs a read per batch, not a transaction per event. An
    event with no effect has no order to keep. When the question fails (the store is away),
    every event goes to the handler, which retries as usual.
    """

    def __init__(
        self,
        bus: EventBus,
        stream: str,
        durable: str,
        subjects: str | Sequence[str],
        handler: Handler[M],
        message_type: type[M] | Sequence[type[M]],
        *,
        max_deliver: int = 5,
        ack_wait: float = 30.0,
        backoff: Backoff = RETRY_BACKOFF,
        handler_timeout: float = 30.0,
        batch: int = 10,
        fetch_timeout: float = 1.0,
        lag_interval: float = 5.0,
        interest: Interest[M] | None = None,
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
        self.interest = interest
        self._sub: JetStreamContext.PullSubscription | None = None
        self._lag_checked = 0.0
        self._lanes = Lanes()
        self._in_flight: list[Msg] = []

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
        keepalive = asyncio.create_task(self._keep_in_progress())
        try:
            while True:
                raise_if_cancelled()
                try:
                    sub = self._sub or await self.start()
                    messages = await self.fetch(sub)
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
            keepalive.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keepalive
            for message, delay in self._lanes.hand_back():
                await self._answer(message.nak(delay=delay))
            await self.stop()

    async def fetch(self, sub: JetStreamContext.PullSubscription) -> list[Msg]:
        """The next event as soon as it is there, with those already waiting behind it (up to
        `batch`). A fetch of n that has to wait for its first event returns before it has n only
        when the server ends the request (nats-py's lingering request otherwise waits on until
        `fetch_timeout`, and whether the server ends it differs by version); a fetch of one
        returns when the event arrives, and the event says how many more wait (`num_pending`),
        which are there to be fetched at once."""
        messages = await sub.fetch(1, timeout=self.fetch_timeout)
        waiting = min(messages[-1].metadata.num_pending, self.batch - 1) if messages else 0
        if waiting:
            # Another replica may take some first: what this fetch gets is enough, and one
            # that came too late waits in the subscription for the next fetch.
            with contextlib.suppress(TimeoutError):
                messages += await sub.fetch(waiting, timeout=self.fetch_timeout)
        return messages

    async def handle_batch(self, messages: Sequence[Msg]) -> None:
        """Handle a fetched batch together with the events held from earlier ones."""
        if self.interest is not None and messages:
            messages = await self._concerning(messages)
        lanes = self._lanes.split(messages)
        self._in_flight = [message for _, lane in lanes for message in lane]
        await asyncio.gather(*(self._handle_in_order(key, lane) for key, lane in lanes))

    async def _handle_in_order(self, key: str, lane: list[Msg]) -> None:
        for index, message in enumerate(lane):
            if self._lanes.waits(key, sequence(message)):
                self._lanes.hold(key, lane[index:])
                return
            retry_in = await self.handle(message)
            if retry_in is None:
                self._lanes.settled(key, sequence(message))
            else:
                self._lanes.failed(key, sequence(message), retry_in)

    async def _concerning(self, messages: Sequence[Msg]) -> Sequence[Msg]:
        """The messages whose events concern anyone (and those only the handler can judge:
        undecodable ones, another consumer's replays); the rest are acked here."""
        assert self.interest is not None
        judged: list[tuple[Msg, M]] = []
        kept: list[Msg] = []
        for message in messages:
            headers = message.headers or {}
            if headers.get(REPLAY_FOR, self.durable) != self.durable:
                kept.append(message)
                continue
            try:
                judged.append((message, decode(self.message_type, message.data, headers)))
            except PoisonMessage:
                kept.append(message)
        if not judged:
            return messages
        try:
            answers = await self.interest([event for _, event in judged])
        except Exception as error:
            log.warning("consumer_interest_unknown", consumer=self.durable, error=str(error))
            return messages
        for (message, _), concerned in zip(judged, answers, strict=True):
            if concerned:
                kept.append(message)
            elif await self._answer(message.ack()):
                EVENTS_HANDLED.labels(*self._labels("ok")).inc()
        return kept

    async def handle(self, message: Msg) -> float | None:
        """Handle one delivery: None once it is settled (acked or parked), else the delay after
        which the server redelivers it."""
        headers = message.headers or {}
        if headers.get(REPLAY_FOR, self.durable) != self.durable:
            await self._answer(message.ack())  # another consumer's dead letter, replayed
            return None
        meta = message.metadata
        context = EventContext(
            # A replayed dead letter keeps the original id, so the inbox knows it.
            event_id=headers.get(ORIGINAL_EVENT_ID)
            or headers.get(MSG_ID)
            or f"{meta.stream}:{meta.sequence.stream}",
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
                return await self._failed(message, context, error)
            if await self._answer(message.ack()):
                EVENTS_HANDLED.labels(*self._labels("ok")).inc()
            return None

    async def _failed(self, message: Msg, context: EventContext, error: Exception) -> float | None:
        poison = isinstance(error, PoisonMessage)
        if poison or context.delivery >= self.max_deliver:
            outcome = "poison" if poison else "dead_letter"
            return await self._dead_letter(message, context, error, outcome)
        delay = self.backoff.delay(context.delivery - 1)
        log.warning("event_retry", error=str(error), delivery=context.delivery, retry_in=delay)
        if await self._answer(message.nak(delay=delay)):
            EVENTS_HANDLED.labels(*self._labels("retry")).inc()
        return delay

    async def _dead_letter(
        self, message: Msg, context: EventContext, error: Exception, outcome: str
    ) -> float | None:
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
                event_id=dead_letter_id(self.durable, context.event_id, context.stream_sequence),
                event_type=context.headers.get(EVENT_TYPE, ""),
                headers=headers,
            )
        except Exception as publish_error:
            # Not parked yet: leave it pending so a later delivery tries the DLQ again.
            log.warning("dead_letter_failed", error=str(publish_error))
            delay = self.backoff.delay(context.delivery - 1)
            await self._answer(message.nak(delay=delay))
            return delay
        if await self._answer(message.term()):
            log.error(
                "event_dead_lettered", error=str(error), outcome=outcome, delivery=context.delivery
            )
            EVENTS_HANDLED.labels(*self._labels(outcome)).inc()
        return None

    async def _answer(self, answer: Awaitable[None]) -> bool:
        try:
            await answer
        except nats.errors.Error as error:
            # Lost: the server redelivers after ack_wait (after a lost ack, the handler's inbox
            # makes that harmless).
            log.warning("consumer_ack_failed", consumer=self.durable, error=str(error))
            return False
        return True

    async def _keep_in_progress(self) -> None:
        """Tell the server that fetched events are still being worked on or held here, so one
        that waits behind a slow or failed one is not redelivered to another replica meanwhile."""
        while True:
            await asyncio.sleep(self.ack_wait / 2)
            for message in self._in_flight:
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
            if info.ack_floor is not None:
                self._lanes.settled_up_to(info.ack_floor.stream_seq or 0)
            waiting = await count_dead_letters(self.bus.js, self.durable)
            DEAD_LETTERS.labels(*self._labels()).set(waiting)
