"""The customer service in-process against the real store and NATS, and a reader of its events."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import nats
import pytest
from google.protobuf.message import Message

from omni.customer.v1 import customer_pb2, customer_pb2_grpc
from omni_customer.server import create_app
from omni_customer.settings import CustomerSettings
from omni_kit.app import ServiceApp, channel
from omni_kit.events import EventBus


@dataclass
class Customer:
    stub: customer_pb2_grpc.CustomerServiceStub
    app: ServiceApp
    bus: EventBus

    async def create(self, kind: int, value: str, **fields: Any) -> customer_pb2.Profile:
        identity = customer_pb2.Identity(kind=kind, value=value)
        reply = await self.stub.FindOrCreateProfile(
            customer_pb2.FindOrCreateProfileRequest(identity=identity, **fields)
        )
        return reply.profile

    async def email(self, address: str, name: str = "") -> customer_pb2.Profile:
        return await self.create(customer_pb2.IDENTITY_KIND_EMAIL, address, display_name=name)


@pytest.fixture
async def customer(mongo_uri, nats_url, db_name) -> AsyncIterator[Customer]:
    settings = CustomerSettings(
        grpc_port=0, mongo_uri=mongo_uri, nats_url=nats_url, mongo_database=f"{db_name}_customer"
    )
    app = await create_app(settings)
    port = await app.start()
    ch = channel(f"127.0.0.1:{port}")
    bus = EventBus(nats_url, service_name="tests")
    await bus.connect()
    yield Customer(customer_pb2_grpc.CustomerServiceStub(ch), app, bus)
    await bus.close()
    await ch.close()
    await app.stop(grace=0)


@pytest.fixture
def published(nc: nats.NATS) -> Callable[..., Any]:
    """`await published(subject, type, where)`: see `read_published`."""
    return lambda *args, **kwargs: read_published(nc, *args, **kwargs)


async def read_published(
    nc: nats.NATS,
    subject: str,
    message_type: type[Message],
    where: Callable[[Any], bool],
    *,
    at_least: int = 1,
    timeout: float = 10.0,
) -> list[Any]:
    """The events on `subject` that match `where`, once at least `at_least` of them are stored
    (the outbox relay publishes after commit); every match stored by then is returned."""
    js = nc.jetstream()
    sub = await js.subscribe(subject, ordered_consumer=True)
    found: list[Any] = []
    try:
        while True:
            try:
                msg = await sub.next_msg(timeout=timeout if len(found) < at_least else 0.5)
            except TimeoutError:
                break
            event = message_type.FromString(msg.data)
            if where(event):
                found.append(event)
    finally:
        await sub.unsubscribe()
    return found


async def eventually(
    read: Callable[[], Any], until: Callable[[Any], bool], tries: int = 100
) -> Any:
    """Read again until `until` holds (an event consumer works in the background)."""
    import asyncio

    for _ in range(tries):
        value = await read()
        if until(value):
            return value
        await asyncio.sleep(0.1)
    raise AssertionError(f"never reached the expected state; last: {value}")


@pytest.fixture
def wait_for() -> Callable[..., Any]:
    return eventually
