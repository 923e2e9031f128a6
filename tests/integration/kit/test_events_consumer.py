"""Durable pull consumers against a real nats-server: retries, dead letters, poison, resume."""

from __future__ import annotations

import asyncio
import inspect
from collections import Counter as Tally

import pytest
from google.protobuf import wrappers_pb2
from prometheus_client import REGISTRY

from omni_kit.events import (
    DLQ_STREAM,
    Backoff,
    Consumer,
    EventBus,
    EventContext,
    Inbox,
    dlq_subject,
    stream_name,
)
from omni_kit.ids import new_id

FAST = {
    "max_deliver": 3,
    "ack_wait": 2.0,
    "backoff": Backoff(first=0.05, maximum=0.2),
    "fetch_timeout": 0.2,
    "lag_interval": 0.1,
}


@pytest.fixture
async def bus(nats_url):
    bus = EventBus(nats_url, service_name="test", publish_timeout=2.0)
    await bus.connect()
    yield bus
    await bus.close()


@pytest.fixture
async def domain(bus):
    domain = new_id("t")[:14]
    await bus.ensure_domain_stream(domain)
    yield domain
    await bus.js.delete_stream(stream_name(domain))


@pytest.fixture
async def running():
    tasks: list[asyncio.Task] = []

    def start(consumer: Consumer) -> asyncio.Task:
        tasks.append(asyncio.create_task(consumer.run()))
        return tasks[-1]

    yield start
    for task in tasks:
        task.cancel()
    await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 5)


async def eventually(check, within: float = 10.0) -> None:
    """Wait until check() (a bool, or an awaitable of one) holds, at most `within` seconds."""
    async with asyncio.timeout(within):
        while True:
            result = check()
            if await result if inspect.isawaitable(result) else result:
                return
            await asyncio.sleep(0.05)


async def dead_letters(bus: EventBus, durable: str) -> int:
    info = await bus.js.stream_info(DLQ_STREAM, subjects_filter=dlq_subject(durable))
    return (info.state.subjects or {}).get(dlq_subject(durable), 0)


def handled(durable: str, outcome: str) -> float:
    labels = {"omni_service": "test", "consumer": durable, "outcome": outcome}
    return REGISTRY.get_sample_value("omni_events_handled_total", labels) or 0.0


async def publish(bus: EventBus, subject: str, value: str) -> str:
    event_id = new_id("evt")
    await bus.publish(subject, wrappers_pb2.StringValue(value=value), event_id=event_id)
    return event_id


async def test_a_handler_failing_twice_then_succeeding_is_acked_once_with_one_effect(
    bus, domain, running, mongo, db_name
):
    db, durable = mongo[db_name], new_id("c")
    inbox = Inbox(db, durable)
    deliveries: list[int] = []

    async def flaky(event: wrappers_pb2.StringValue, context: EventContext) -> None:
        deliveries.append(context.delivery)
        if context.delivery < 3:
            raise ConnectionError("inventory is not answering")

        async def effect(session):
            await db.effects.insert_one({"event_id": context.event_id}, session=session)

        await inbox.handle_once(mongo, context.event_id, effect)

    consumer = Consumer(
        bus,
        stream_name(domain),
        durable,
        f"omni.{domain}.>",
        flaky,
        wrappers_pb2.StringValue,
        **FAST,
    )
    running(consumer)
    event_id = await publish(bus, f"omni.{domain}.item.created", "sku-1")
    await eventually(lambda: _count(db.effects, {"event_id": event_id}, 1))
    await asyncio.sleep(0.5)  # room for a wrong extra delivery to show up

    assert deliveries == [1, 2, 3]
    assert await db.effects.count_documents({}) == 1
    info = await bus.js.consumer_info(stream_name(domain), durable)
    assert info.num_ack_pending == 0
    assert info.num_pending == 0
    assert info.ack_floor.stream_seq == 1
    assert handled(durable, "retry") == 2
    assert handled(durable, "ok") == 1
    assert await dead_letters(bus, durable) == 0
    labels = {"omni_service": "test", "consumer": durable}
    assert REGISTRY.get_sample_value("omni_consumer_redeliveries_total", labels) == 2


async def test_an_always_failing_event_is_dead_lettered_after_max_deliver_and_others_flow(
    bus, domain, running
):
    durable = new_id("c")
    calls: Tally[str] = Tally()

    async def refuses_bad(event: wrappers_pb2.StringValue, context: EventContext) -> None:
        calls[event.value] += 1
        if event.value == "bad":
            raise ValueError("sku bad does not exist")

    consumer = Consumer(
        bus,
        stream_name(domain),
        durable,
        f"omni.{domain}.>",
        refuses_bad,
        wrappers_pb2.StringValue,
        **FAST,
    )
    running(consumer)
    subject = f"omni.{domain}.item.created"
    bad_id = await publish(bus, subject, "bad")
    await publish(bus, subject, "good-1")
    await publish(bus, subject, "good-2")
    await eventually(lambda: _dead_lettered(bus, durable, 1))
    await eventually(lambda: calls["good-1"] == 1 and calls["good-2"] == 1)

    assert calls["bad"] == 3
    parked = await bus.js.get_last_msg(DLQ_STREAM, dlq_subject(durable))
    assert wrappers_pb2.StringValue.FromString(parked.data).value == "bad"
    assert parked.headers["Omni-Event-Id"] == bad_id
    assert parked.headers["Omni-Dlq-Error"] == "ValueError: sku bad does not exist"
    assert parked.headers["Omni-Dlq-Consumer"] == durable
    assert parked.headers["Omni-Dlq-Subject"] == subject
    assert parked.headers["Omni-Dlq-Deliveries"] == "3"
    assert parked.headers["Omni-Event-Type"] == "google.protobuf.StringValue"
    await eventually(lambda: _settled(bus, domain, durable))
    assert handled(durable, "dead_letter") == 1


async def test_a_poison_payload_is_dead_lettered_at_once_and_does_not_stall_the_consumer(
    bus, domain, running
):
    durable = new_id("c")
    seen: list[str] = []

    async def record(event: wrappers_pb2.StringValue, context: EventContext) -> None:
        seen.append(event.value)

    consumer = Consumer(
        bus,
        stream_name(domain),
        durable,
        f"omni.{domain}.>",
        record,
        wrappers_pb2.StringValue,
        **FAST,
    )
    running(consumer)
    subject = f"omni.{domain}.item.created"
    await bus.js.publish(subject, b"garbage \xff\xfe bytes", headers={"Nats-Msg-Id": "poison-1"})
    await publish(bus, subject, "after-poison")
    await eventually(lambda: seen == ["after-poison"])
    await eventually(lambda: _dead_lettered(bus, durable, 1))

    parked = await bus.js.get_last_msg(DLQ_STREAM, dlq_subject(durable))
    assert parked.data == b"garbage \xff\xfe bytes"
    assert parked.headers["Omni-Event-Id"] == "poison-1"
    assert parked.headers["Omni-Dlq-Deliveries"] == "1"
    assert parked.headers["Omni-Dlq-Error"].startswith("PoisonMessage: cannot decode")
    assert handled(durable, "poison") == 1


async def test_a_stopped_consumer_resumes_where_it_left_off(bus, domain, running):
    durable = new_id("c")
    seen: list[str] = []

    async def record(event: wrappers_pb2.StringValue, context: EventContext) -> None:
        seen.append(event.value)

    def make() -> Consumer:
        return Consumer(
            bus,
            stream_name(domain),
            durable,
            f"omni.{domain}.item.*",
            record,
            wrappers_pb2.StringValue,
            **FAST,
        )

    subject = f"omni.{domain}.item.created"
    first = running(make())
    await publish(bus, subject, "one")
    await eventually(lambda: seen == ["one"])
    first.cancel()
    await asyncio.wait_for(asyncio.gather(first, return_exceptions=True), 2)

    await publish(bus, subject, "two")
    await publish(bus, f"omni.{domain}.other.created", "not for this consumer")
    running(make())
    await eventually(lambda: seen == ["one", "two"])
    labels = {"omni_service": "test", "consumer": durable}
    await eventually(lambda: REGISTRY.get_sample_value("omni_consumer_lag", labels) == 0)


async def _count(collection, query, expected: int) -> bool:
    return await collection.count_documents(query) == expected


async def _dead_lettered(bus: EventBus, durable: str, expected: int) -> bool:
    return await dead_letters(bus, durable) == expected


async def _settled(bus: EventBus, domain: str, durable: str) -> bool:
    info = await bus.js.consumer_info(stream_name(domain), durable)
    return info.num_ack_pending == 0 and info.num_pending == 0


async def test_aggregates_are_handled_side_by_side_and_each_in_its_own_order(bus, domain, running):
    """One slow order does not hold up another's events; one order's events keep their order."""
    handled_values: list[str] = []
    other_order_done = asyncio.Event()

    async def handler(event: wrappers_pb2.StringValue, context: EventContext) -> None:
        if event.value == "a-1":  # waits for an event stored after it, of another aggregate
            await asyncio.wait_for(other_order_done.wait(), 5)
        handled_values.append(event.value)
        if event.value == "b-1":
            other_order_done.set()

    for value, aggregate in (("a-1", "order:a"), ("a-2", "order:a"), ("b-1", "order:b")):
        await bus.publish(
            f"omni.{domain}.order.changed",
            wrappers_pb2.StringValue(value=value),
            event_id=new_id("evt"),
            headers={"Omni-Aggregate": aggregate},
        )
    durable = new_id("c")
    running(
        Consumer(
            bus,
            stream_name(domain),
            durable,
            f"omni.{domain}.>",
            handler,
            wrappers_pb2.StringValue,
            **FAST,
        )
    )
    await eventually(lambda: len(handled_values) == 3)
    assert handled_values == ["b-1", "a-1", "a-2"]
    assert handled(durable, "ok") == 3


async def publish_for(bus: EventBus, domain: str, value: str) -> None:
    """Publish `value` ("a-1", "b-2", ...) as an event of aggregate "order:<letter>"."""
    await bus.publish(
        f"omni.{domain}.order.changed",
        wrappers_pb2.StringValue(value=value),
        event_id=new_id("evt"),
        headers={"Omni-Aggregate": f"order:{value.split('-')[0]}"},
    )


async def test_a_failing_event_holds_back_its_aggregates_later_events_but_no_other_aggregate(
    bus, domain, running
):
    """a-1 fails twice; a-2 (same batch) and a-3 (a later batch) wait for its retry, b flows."""
    calls: list[str] = []  # every handler call, in order
    done: list[str] = []  # every successful one, in order
    a1_failed = asyncio.Event()

    async def handler(event: wrappers_pb2.StringValue, context: EventContext) -> None:
        calls.append(event.value)
        if event.value == "a-1" and context.delivery < 3:
            a1_failed.set()
            raise ConnectionError("partner endpoint is not answering")
        done.append(event.value)

    durable = new_id("c")
    options = {**FAST, "backoff": Backoff(first=0.5, maximum=0.5)}
    running(
        Consumer(
            bus,
            stream_name(domain),
            durable,
            f"omni.{domain}.>",
            handler,
            wrappers_pb2.StringValue,
            **options,
        )
    )
    for value in ("a-1", "b-1", "a-2"):
        await publish_for(bus, domain, value)
    await asyncio.wait_for(a1_failed.wait(), 5)
    for value in ("a-3", "b-2"):
        await publish_for(bus, domain, value)
    await eventually(lambda: len(done) == 5)
    await eventually(lambda: _settled(bus, domain, durable))

    assert [value for value in calls if value.startswith("a")] == ["a-1"] * 3 + ["a-2", "a-3"]
    assert [value for value in done if value.startswith("a")] == ["a-1", "a-2", "a-3"]
    assert done.index("b-2") < done.index("a-1")  # b did not wait for a's retries
    assert handled(durable, "ok") == 5
    assert handled(durable, "retry") == 2


async def test_a_dead_lettered_event_lets_its_aggregates_later_events_through(bus, domain, running):
    calls: list[str] = []

    async def handler(event: wrappers_pb2.StringValue, context: EventContext) -> None:
        calls.append(event.value)
        if event.value == "a-1":
            raise ValueError("order a cannot be confirmed")

    durable = new_id("c")
    running(
        Consumer(
            bus,
            stream_name(domain),
            durable,
            f"omni.{domain}.>",
            handler,
            wrappers_pb2.StringValue,
            **FAST,
        )
    )
    for value in ("a-1", "a-2", "b-1", "a-3"):
        await publish_for(bus, domain, value)
    await eventually(lambda: "a-3" in calls)
    await eventually(lambda: _settled(bus, domain, durable))

    assert [value for value in calls if value.startswith("a")] == ["a-1"] * 3 + ["a-2", "a-3"]
    assert calls.index("b-1") < calls.index("a-2")
    assert await dead_letters(bus, durable) == 1
    parked = await bus.js.get_last_msg(DLQ_STREAM, dlq_subject(durable))
    assert wrappers_pb2.StringValue.FromString(parked.data).value == "a-1"
    assert handled(durable, "ok") == 3
    assert handled(durable, "dead_letter") == 1


async def test_held_events_handed_back_at_shutdown_come_after_the_event_they_wait_for(
    bus, domain, running
):
    """The retry is due after ack_wait: left to ack_wait, a-2 would come back before a-1."""
    done: list[str] = []
    a1_failed = asyncio.Event()

    async def handler(event: wrappers_pb2.StringValue, context: EventContext) -> None:
        if event.value == "a-1" and context.delivery == 1:
            a1_failed.set()
            raise ConnectionError("partner endpoint is not answering")
        done.append(event.value)

    durable = new_id("c")

    def make() -> Consumer:
        options = {**FAST, "backoff": Backoff(first=3.0, maximum=3.0)}
        subjects = f"omni.{domain}.>"
        return Consumer(
            bus,
            stream_name(domain),
            durable,
            subjects,
            handler,
            wrappers_pb2.StringValue,
            **options,
        )

    first = running(make())
    for value in ("a-1", "a-2"):
        await publish_for(bus, domain, value)
    await asyncio.wait_for(a1_failed.wait(), 5)
    await asyncio.sleep(0.3)  # a-2 is held
    first.cancel()
    await asyncio.wait_for(asyncio.gather(first, return_exceptions=True), 2)
    assert done == []

    running(make())
    await eventually(lambda: len(done) == 2)
    assert done == ["a-1", "a-2"]


class BatchRecordingConsumer(Consumer):
    """A consumer that notes the size of every batch it handles."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.batches: list[int] = []

    async def handle_batch(self, messages) -> None:
        if messages:
            self.batches.append(len(messages))
        await super().handle_batch(messages)


async def test_a_lone_event_is_handled_when_it_arrives_not_when_the_fetch_would_expire(
    bus, domain, running
):
    """An idle consumer waits in a fetch; the event that comes is handled at once, not after
    the fetch has waited out its timeout for a fuller batch (here far longer than the test)."""
    seen: list[str] = []

    async def record(event: wrappers_pb2.StringValue, context: EventContext) -> None:
        seen.append(event.value)

    consumer = Consumer(
        bus,
        stream_name(domain),
        new_id("c"),
        f"omni.{domain}.item.*",
        record,
        wrappers_pb2.StringValue,
        **FAST | {"fetch_timeout": 120.0},
    )
    running(consumer)
    await eventually(lambda: consumer._sub is not None)
    await asyncio.sleep(0.5)  # into the fetch that waits for the next event
    await publish(bus, f"omni.{domain}.item.created", "one")
    await eventually(lambda: seen == ["one"], within=30)
    await publish(bus, f"omni.{domain}.item.created", "two")
    await eventually(lambda: seen == ["one", "two"], within=30)


async def test_events_already_waiting_are_fetched_and_handled_as_one_batch(bus, domain, running):
    seen: list[str] = []

    async def record(event: wrappers_pb2.StringValue, context: EventContext) -> None:
        seen.append(event.value)

    values = [f"v{n}" for n in range(6)]
    for value in values:
        await publish(bus, f"omni.{domain}.item.created", value)
    consumer = BatchRecordingConsumer(
        bus,
        stream_name(domain),
        new_id("c"),
        f"omni.{domain}.item.*",
        record,
        wrappers_pb2.StringValue,
        **FAST | {"batch": 4},
    )
    running(consumer)
    await eventually(lambda: len(seen) == 6)
    assert sorted(seen) == values
    assert consumer.batches[:2] == [4, 2]


async def test_events_that_concern_nobody_are_acked_without_the_handler_one_question_a_batch(
    bus, domain, running
):
    asked: list[list[str]] = []
    seen: list[str] = []

    async def interest(batch: list[wrappers_pb2.StringValue]) -> list[bool]:
        asked.append([event.value for event in batch])
        return [event.value.startswith("wanted") for event in batch]

    async def record(event: wrappers_pb2.StringValue, context: EventContext) -> None:
        seen.append(event.value)

    values = [f"{'wanted' if n % 5 == 0 else 'other'}-{n}" for n in range(20)]
    for value in values:
        await publish(bus, f"omni.{domain}.item.created", value)
    durable = new_id("c")
    consumer = Consumer(
        bus,
        stream_name(domain),
        durable,
        f"omni.{domain}.item.*",
        record,
        wrappers_pb2.StringValue,
        interest=interest,
        **FAST | {"batch": 10},
    )
    running(consumer)
    await eventually(lambda: handled(durable, "ok") == 20)
    assert sorted(seen) == sorted(v for v in values if v.startswith("wanted"))
    assert sum(len(batch) for batch in asked) == 20
    assert len(asked) <= 3  # a question per fetched batch, not per event
    info = await bus.js.consumer_info(stream_name(domain), durable)
    assert (info.num_pending, info.num_ack_pending) == (0, 0)


async def test_when_the_interest_cannot_be_known_every_event_goes_to_the_handler(
    bus, domain, running
):
    seen: list[str] = []

    async def unknown(batch: list[wrappers_pb2.StringValue]) -> list[bool]:
        raise ConnectionError("the store is away")

    async def record(event: wrappers_pb2.StringValue, context: EventContext) -> None:
        seen.append(event.value)

    for n in range(3):
        await publish(bus, f"omni.{domain}.item.created", f"v{n}")
    consumer = Consumer(
        bus,
        stream_name(domain),
        new_id("c"),
        f"omni.{domain}.item.*",
        record,
        wrappers_pb2.StringValue,
        interest=unknown,
        **FAST,
    )
    running(consumer)
    await eventually(lambda: len(seen) == 3)
    assert sorted(seen) == ["v0", "v1", "v2"]
