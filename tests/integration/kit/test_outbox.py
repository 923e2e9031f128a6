"""The transactional outbox and its relay against a real store and a real nats-server."""

from __future__ import annotations

import asyncio
import inspect

import pytest
from google.protobuf import wrappers_pb2
from prometheus_client import REGISTRY

from omni_kit import localstack
from omni_kit.events import Backoff, EventBus, Outbox, OutboxRelay, stream_name
from omni_kit.ids import new_id
from omni_kit.store import transaction


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
async def outbox(mongo, db_name):
    outbox = Outbox(mongo[db_name])
    await outbox.ensure_indexes()
    return outbox


async def stored(bus: EventBus, domain: str) -> list:
    info = await bus.js.stream_info(stream_name(domain))
    first, last = info.state.first_seq, info.state.last_seq
    if info.state.messages == 0:
        return []
    return [await bus.js.get_msg(stream_name(domain), seq) for seq in range(first, last + 1)]


async def commit_event(mongo, db, outbox: Outbox, subject: str, value: str) -> str:
    async def work(session):
        await db.items.insert_one({"_id": value}, session=session)
        return await outbox.add(session, subject, wrappers_pb2.StringValue(value=value))

    return await transaction(mongo, work)


async def eventually(check, within: float = 10.0) -> None:
    """Wait until check() (a bool, or an awaitable of one) holds, at most `within` seconds."""
    async with asyncio.timeout(within):
        while True:
            result = check()
            if await result if inspect.isawaitable(result) else result:
                return
            await asyncio.sleep(0.05)


async def test_a_failed_transaction_leaves_no_event_and_publishes_nothing(
    mongo, db_name, bus, domain, outbox
):
    db = mongo[db_name]

    async def fail_after_add(session):
        await db.items.insert_one({"_id": "sku-1"}, session=session)
        await outbox.add(session, f"omni.{domain}.item.created", wrappers_pb2.StringValue())
        raise ValueError("validation failed after the event was written")

    with pytest.raises(ValueError, match="validation failed"):
        await transaction(mongo, fail_after_add)
    await OutboxRelay(db, bus, "test").drain()
    assert await db.outbox.count_documents({}) == 0
    assert await db.items.count_documents({}) == 0
    assert await stored(bus, domain) == []


async def test_a_committed_event_is_published_once_with_its_event_id(
    mongo, db_name, bus, domain, outbox
):
    db = mongo[db_name]
    subject = f"omni.{domain}.item.created"
    event_id = await commit_event(mongo, db, outbox, subject, "sku-1")
    relay = OutboxRelay(db, bus, "test")
    await relay.drain()
    await relay.drain()
    [message] = await stored(bus, domain)
    assert message.subject == subject
    assert message.headers["Nats-Msg-Id"] == event_id
    assert message.headers["Omni-Event-Type"] == "google.protobuf.StringValue"
    assert wrappers_pb2.StringValue.FromString(message.data).value == "sku-1"
    row = await db.outbox.find_one({"_id": event_id})
    assert row["sent_at"] is not None
    assert row["expire_at"] > row["sent_at"]


async def test_an_event_naming_several_channels_is_published_with_its_own_channel(
    mongo, db_name, bus, domain, outbox
):
    """An order picked up in a store names the store's channel and the order's: the header
    carries the event's own (the first), as a string NATS can send."""
    from omni.common.v1 import common_pb2
    from omni.order.v1 import events_pb2 as order_events
    from omni.order.v1 import order_pb2

    db = mongo[db_name]
    event = order_events.OrderReadyForPickup(
        meta=common_pb2.EventMeta(
            event_id="evt-1",
            channel=common_pb2.ChannelRef(channel=common_pb2.SALES_CHANNEL_POS),
            aggregate_type="order",
            aggregate_id="ord-1",
        ),
        order=order_pb2.Order(
            id="ord-1", channel=common_pb2.ChannelRef(channel=common_pb2.SALES_CHANNEL_WEB)
        ),
    )
    subject = f"omni.{domain}.order.ready_for_pickup"
    await transaction(mongo, lambda session: outbox.add(session, subject, event))
    await OutboxRelay(db, bus, "test").drain()
    [message] = await stored(bus, domain)
    assert message.headers["Omni-Channel"] == "pos"
    assert message.headers["Omni-Aggregate"] == "order:ord-1"  # consumers keep its order


async def test_events_are_published_in_the_order_they_were_written(
    mongo, db_name, bus, domain, outbox
):
    db = mongo[db_name]
    subject = f"omni.{domain}.item.changed"

    async def three_in_one_transaction(session):
        for value in ("first", "second", "third"):
            await outbox.add(session, subject, wrappers_pb2.StringValue(value=value))

    await transaction(mongo, three_in_one_transaction)
    await commit_event(mongo, db, outbox, subject, "fourth")
    await OutboxRelay(db, bus, "test", batch_size=2).drain()
    values = [wrappers_pb2.StringValue.FromString(m.data).value for m in await stored(bus, domain)]
    assert values == ["first", "second", "third", "fourth"]


async def test_a_failure_mid_batch_marks_what_was_published_and_keeps_the_rest(
    mongo, db_name, bus, domain, outbox
):
    db = mongo[db_name]
    subject = f"omni.{domain}.item.changed"
    ids = [await commit_event(mongo, db, outbox, subject, value) for value in ("a", "b", "c")]

    class NatsDiesAfterTwo(OutboxRelay):
        async def publish(self, event):
            if event["_id"] == ids[2]:
                raise ConnectionError("nats went away")
            await super().publish(event)

    with pytest.raises(ConnectionError):
        await NatsDiesAfterTwo(db, bus, "batch").publish_pending()
    assert [row["_id"] async for row in db.outbox.find({"sent_at": {"$ne": None}})] == ids[:2]
    assert backlog("batch") == 1
    assert await OutboxRelay(db, bus, "batch").publish_pending() == 1
    assert backlog("batch") == 0
    messages = await stored(bus, domain)
    assert [m.headers["Nats-Msg-Id"] for m in messages] == ids


async def test_a_crash_between_publish_and_mark_sent_republishes_and_jetstream_drops_the_copy(
    mongo, db_name, bus, domain, outbox
):
    db = mongo[db_name]
    event_id = await commit_event(mongo, db, outbox, f"omni.{domain}.item.created", "sku-1")
    crashed = OutboxRelay(db, bus, "test")
    [pending] = await outbox.pending(10)
    await crashed.publish(pending)  # published, then the process dies before marking it sent
    assert (await db.outbox.find_one({"_id": event_id}))["sent_at"] is None

    await OutboxRelay(db, bus, "test").drain()  # the restarted process
    messages = await stored(bus, domain)
    assert [m.headers["Nats-Msg-Id"] for m in messages] == [event_id]
    assert (await db.outbox.find_one({"_id": event_id}))["sent_at"] is not None


async def test_the_relay_keeps_events_while_nats_is_down_and_publishes_them_when_it_is_back(
    mongo, db_name, outbox, tmp_path
):
    db = mongo[db_name]
    port = localstack.free_port()
    nats = localstack.start_nats(tmp_path, port)
    bus = EventBus(
        localstack.nats_url(port),
        service_name="outage",
        publish_timeout=1.0,
        reconnect=Backoff(first=0.1, maximum=0.3),
    )
    relay = OutboxRelay(db, bus, "outage", backoff=Backoff(first=0.05, maximum=0.2))
    task = None
    try:
        await bus.connect()
        domain = await bus.ensure_domain_stream("outage")
        nats.stop()
        event_id = await commit_event(mongo, db, outbox, "omni.outage.item.created", "sku-1")
        task = asyncio.create_task(relay.run())
        relay.notify()
        await asyncio.sleep(1.0)
        assert (await db.outbox.find_one({"_id": event_id}))["sent_at"] is None
        assert backlog("outage") == 1
        assert oldest("outage") >= 0.5  # what OmniOutboxStale alerts on

        nats = localstack.start_nats(tmp_path, port)
        await eventually(lambda: _is_sent(db, event_id), within=15)
        info = await bus.js.stream_info(domain)
        assert info.state.messages == 1
        assert (await bus.js.get_msg(domain, info.state.last_seq)).headers[
            "Nats-Msg-Id"
        ] == event_id
        await eventually(lambda: backlog("outage") == 0 == oldest("outage"), within=2)
    finally:
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        await bus.close()
        nats.stop()


def backlog(service: str) -> float | None:
    return REGISTRY.get_sample_value("omni_outbox_backlog", {"omni_service": service})


def oldest(service: str) -> float:
    return REGISTRY.get_sample_value("omni_outbox_oldest_seconds", {"omni_service": service}) or 0.0


async def _is_sent(db, event_id: str) -> bool:
    row = await db.outbox.find_one({"_id": event_id})
    return row["sent_at"] is not None
