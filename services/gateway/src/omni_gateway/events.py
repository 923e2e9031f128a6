"""The gateway's background work on events, supervised like a service's (each task restarted
after a crash): reach NATS (the HTTP API serves meanwhile), keep the browse cache fresh, take
events in for webhooks, and deliver them; and work off import jobs."""

from __future__ import annotations

import asyncio
from typing import Any

from litestar.datastructures import State

from omni_gateway import browse_freshness
from omni_gateway.settings import GatewaySettings
from omni_gateway.webhooks.store import WebhookStore
from omni_gateway.webhooks.worker import Dispatcher, intake_consumers
from omni_kit.app import BackgroundTasks, TaskFactory
from omni_kit.events import Consumer, EventBus
from omni_kit.logs import get_logger

log = get_logger("omni.gateway")
RETRY_SECONDS = 2.0


def background_tasks(state: State, settings: GatewaySettings) -> BackgroundTasks:
    """The tasks, not started; `state.events_ready` is set once NATS is reached and set up."""
    bus: EventBus = state.bus
    store: WebhookStore = state.webhooks
    ready: asyncio.Event = state.events_ready
    consumers = intake_consumers(bus, store)
    tasks = BackgroundTasks()
    tasks.add("events-connect", lambda: _connect(state, consumers))
    for consumer in consumers:
        tasks.add(f"consumer-{consumer.durable}", _once_ready(ready, consumer.run))
    # A new dispatcher on each (re)start: a stopped one has closed its HTTP client.
    tasks.add("webhook-dispatcher", lambda: Dispatcher(store, settings).run())
    # Import jobs need no NATS: the worker starts at once.
    tasks.add("import-worker", state.import_worker.run)
    return tasks


async def _connect(state: State, consumers: list[Consumer[Any]]) -> None:
    bus: EventBus = state.bus
    while True:
        try:
            if not bus.connected:
                await bus.connect()
            # On a fresh cluster the streams the webhooks read may not exist yet; provisioning
            # is idempotent, so the gateway does not depend on which service started first.
            for consumer in consumers:
                await bus.ensure_domain_stream(consumer.stream.removeprefix("OMNI_").lower())
            await bus.ensure_dead_letter_stream()
            await browse_freshness.watch(bus, state.browse_cache)
        except Exception as error:  # keep trying; webhooks wait, requests do not
            log.warning("gateway_nats_unavailable", error=str(error))
            await asyncio.sleep(RETRY_SECONDS)
            continue
        state.events_ready.set()
        return


def _once_ready(ready: asyncio.Event, run: TaskFactory) -> TaskFactory:
    async def waiting() -> None:
        await ready.wait()
        await run()

    return waiting
