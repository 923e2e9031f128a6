"""The event bus against a real nats-server: stream provisioning and publishing."""

from __future__ import annotations

import time

import pytest
from google.protobuf import wrappers_pb2
from structlog.testing import capture_logs

from omni_kit import localstack
from omni_kit.app import StartupError
from omni_kit.events import EventBus, stream_name
from omni_kit.ids import new_id


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


async def test_stream_provisioning_is_idempotent_and_applies_changed_settings(bus):
    name = stream_name(new_id("t")[:14])
    await bus.ensure_stream(name, ["omni.x1.>"])
    await bus.ensure_stream(name, ["omni.x1.>"])
    info = await bus.js.stream_info(name)
    assert info.config.storage == "file"
    assert info.config.duplicate_window == 120
    assert info.config.num_replicas == 1
    await bus.ensure_stream(name, ["omni.x1.>", "omni.x2.>"], max_age=30 * 24 * 3600)
    info = await bus.js.stream_info(name)
    assert info.config.subjects == ["omni.x1.>", "omni.x2.>"]
    assert info.config.max_age == 30 * 24 * 3600
    await bus.js.delete_stream(name)


async def test_a_start_never_lowers_what_an_operator_raised(bus):
    """An operator keeps events longer, widens the duplicate window and caps the stream's size;
    a service starting with the default settings keeps all of it and says so."""
    name = stream_name(new_id("t")[:14])
    await bus.ensure_stream(name, ["omni.x1.>"])
    config = (await bus.js.stream_info(name)).config
    config.max_age = 90 * 24 * 3600
    config.duplicate_window = 600
    config.max_bytes = 512 * 1024 * 1024
    await bus.js.update_stream(config)

    with capture_logs() as logged:
        await bus.ensure_stream(name, ["omni.x1.>"])
    kept = (await bus.js.stream_info(name)).config
    assert kept.max_age == 90 * 24 * 3600
    assert kept.duplicate_window == 600
    assert kept.max_bytes == 512 * 1024 * 1024
    warnings = {e["setting"]: e for e in logged if e["event"] == "stream_setting_kept"}
    assert set(warnings) == {"max_age", "duplicate_window"}
    assert warnings["max_age"]["kept"] == 90 * 24 * 3600
    await bus.js.delete_stream(name)


async def test_publish_is_stored_with_id_type_and_the_callers_trace(bus, domain):
    subject = f"omni.{domain}.item.created"
    message = wrappers_pb2.StringValue(value="sku-1")
    trace_id = "0af7651916cd43dd8448eb211c80319c"
    headers = {"X-Extra": "1", "traceparent": f"00-{trace_id}-b7ad6b7169203331-01"}
    duplicate = await bus.publish(subject, message, event_id="evt_1", headers=headers)
    assert duplicate is False
    stored = await bus.js.get_msg(stream_name(domain), 1)
    assert stored.subject == subject
    assert wrappers_pb2.StringValue.FromString(stored.data) == message
    assert stored.headers["Nats-Msg-Id"] == "evt_1"
    assert stored.headers["Content-Type"] == "application/protobuf"
    assert stored.headers["Omni-Event-Type"] == "google.protobuf.StringValue"
    assert stored.headers["X-Extra"] == "1"
    assert stored.headers["traceparent"].split("-")[1] == trace_id


async def test_publishing_an_event_id_again_is_dropped_as_duplicate(bus, domain):
    subject = f"omni.{domain}.item.created"
    message = wrappers_pb2.StringValue(value="sku-1")
    assert await bus.publish(subject, message, event_id="evt_dup") is False
    assert await bus.publish(subject, message, event_id="evt_dup") is True
    info = await bus.js.stream_info(stream_name(domain))
    assert info.state.messages == 1


async def test_connecting_to_an_unreachable_nats_fails_fast_with_one_line():
    bus = EventBus(
        localstack.nats_url(localstack.free_port()), service_name="test", connect_wait=0.5
    )
    started = time.monotonic()
    with pytest.raises(
        StartupError, match=r"cannot reach NATS at nats://127\.0\.0\.1:\d+ within 0\.5s"
    ):
        await bus.connect()
    assert time.monotonic() - started < 3
