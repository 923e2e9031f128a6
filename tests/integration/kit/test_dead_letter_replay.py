"""Dead letters are counted, listed with their reason and replayed to their consumer alone (that
a replay of an event which took effect after all is harmless: tests/integration/gateway/
test_omni_cli.py); outbox rows are republished since a time. Real NATS, real store."""

from __future__ import annotations

import asyncio
import inspect
from datetime import timedelta
from functools import partial

import pytest
from google.protobuf import wrappers_pb2
from prometheus_client import REGISTRY

from omni_kit.events import Backoff, Consumer, EventBus, EventContext, Inbox, Outbox, OutboxRelay
from omni_kit.events import stream_name as domain_stream
from omni_kit.events.deadletter import dead_letters, replay
from omni_kit.events.streams import StreamPolicy
from omni_kit.ids import new_id, utcnow
from omni_kit.store import transaction

FAST = {
    "max_deliver": 2,
    "ack_wait": 2.0,
    "backoff": Backoff(first=0.05, maximum=0.1),
    "fetch_timeout": 0.2,
    "lag_interval": 0.1,
}


@pytest.fixture
async def bus(nats_url):
    # A one-second duplicate window, so a republish a little later is not dropped as a copy.
    bus = EventBus(nats_url, service_name="test", streams=StreamPolicy(duplicate_window=1.0))
    await bus.connect()
    yield bus
    await bus.close()


@pytest.fixture
async def domain(bus):
    domain = new_id("t")[:14]
    await bus.ensure_domain_stream(domain)
    await bus.ensure_dead_letter_stream()
    yield domain
    await bus.js.delete_stream(domain_stream(domain))


async def eventually(check, within: float = 15.0) -> None:
    async with asyncio.timeout(within):
        while True:
            result = check()
            if await result if inspect.isawaitable(result) else result:
                return
            await asyncio.sleep(0.05)


def waiting_gauge(durable: str) -> float | None:
    labels = {"omni_service": "test", "consumer": durable}
    return REGISTRY.get_sample_value("omni_dead_letters", labels)


async def test_dead_letters_are_counted_listed_and_replayed_once_to_their_consumer(
    bus, domain, mongo, db_name
):
    db = mongo[db_name]
    failing, other = new_id("c"), new_id("c")
    inbox = Inbox(db, failing)
    broken = True
    other_calls: list[str] = []

    async def handler(event: wrappers_pb2.StringValue, context: EventContext) -> None:
        if broken:
            raise ConnectionError(f"cannot price {event.value}")
        await inbox.handle_once(mongo, context.event_id, partial(record, event.value))

    async def record(sku: str, session) -> None:
        await db.effects.insert_one({"sku": sku}, session=session)

    async def other_handler(event: wrappers_pb2.StringValue, context: EventContext) -> None:
        other_calls.append(context.event_id)

    subject = f"omni.{domain}.item.created"
    consumers = [
        Consumer(
            bus, domain_stream(domain), failing, subject, handler, wrappers_pb2.StringValue, **FAST
        ),
        Consumer(
            bus,
            domain_stream(domain),
            other,
            subject,
            other_handler,
            wrappers_pb2.StringValue,
            **FAST,
        ),
    ]
    tasks = [asyncio.create_task(c.run()) for c in consumers]
    try:
        ids = {}
        for sku in ("sku-1", "sku-2"):
            ids[sku] = new_id("evt")
            await bus.publish(subject, wrappers_pb2.StringValue(value=sku), event_id=ids[sku])
        await eventually(lambda: waiting_gauge(failing) == 2)
        assert waiting_gauge(other) == 0
        assert sorted(other_calls) == sorted(ids.values())

        letters = await dead_letters(bus.js, failing)
        assert [(d.event_id, d.subject, d.deliveries) for d in letters] == [
            (ids["sku-1"], subject, 2),
            (ids["sku-2"], subject, 2),
        ]
        assert letters[0].error == "ConnectionError: cannot price sku-1"
        assert await dead_letters(bus.js, other) == []

        broken = False
        for letter in letters:
            await replay(bus, letter)
        await eventually(lambda: _count(db.effects, {}, 2))
        await eventually(lambda: waiting_gauge(failing) == 0)
        await asyncio.sleep(0.5)  # room for a wrong second effect or delivery to show up
        assert await db.effects.count_documents({"sku": "sku-1"}) == 1
        assert await db.effects.count_documents({"sku": "sku-2"}) == 1
        assert await dead_letters(bus.js, failing) == []
        assert len(other_calls) == 2, "the replay reached a consumer it was not for"
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def test_outbox_rows_are_republished_since_a_time_and_no_earlier(bus, domain, mongo, db_name):
    db = mongo[db_name]
    outbox = Outbox(db)
    await outbox.ensure_indexes()
    relay = OutboxRelay(db, bus, "test", outbox=outbox)
    subject = f"omni.{domain}.item.created"

    async def write(sku: str) -> str:
        async def work(session):
            return await outbox.add(session, subject, wrappers_pb2.StringValue(value=sku))

        return await transaction(mongo, work)

    early = await write("early")
    await relay.drain()
    await asyncio.sleep(0.2)
    since = utcnow()
    later = [await write(f"later-{n}") for n in range(3)]
    await relay.drain()
    assert await relay.republish_since(since) == (3, 3)  # within the window: JetStream drops them

    await asyncio.sleep(1.2)  # past the duplicate window: the stream takes copies
    unsent = await write("unsent")
    assert await relay.republish_since(since - timedelta(milliseconds=1)) == (4, 0)
    assert (await db.outbox.find_one({"_id": unsent}))["sent_at"] is not None
    info = await bus.js.stream_info(domain_stream(domain))
    ids = [
        (await bus.js.get_msg(domain_stream(domain), seq)).headers["Nats-Msg-Id"]
        for seq in range(info.state.first_seq, info.state.last_seq + 1)
    ]
    assert ids == [early, *later, *later, unsent]


async def _count(collection, query, expected: int) -> bool:
    return await collection.count_documents(query) == expected
