"""Wires a service's infrastructure into its ServiceApp lifecycle: the store with its indexes
and data migrations, NATS with the service's streams, the transactional outbox and its relay."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import timedelta
from typing import Any, TypeVar

from google.protobuf.message import Message
from pymongo import IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import PyMongoError

from omni_kit import expiry
from omni_kit.app import ServiceApp, StartupError
from omni_kit.events import Consumer, EventBus, Handler, Inbox, Outbox, OutboxRelay
from omni_kit.idempotency import Idempotency
from omni_kit.metrics import CONSUMER_REDELIVERIES
from omni_kit.migrations import Migration, migrate
from omni_kit.store import StoreProbe, ensure_indexes, mongo_client, ping, transaction

T = TypeVar("T")
M = TypeVar("M", bound=Message)


class Infrastructure:
    def __init__(
        self,
        app: ServiceApp,
        indexes: Mapping[str, Sequence[IndexModel]],
        *,
        streams: Mapping[str, Sequence[str]],
        obsolete_indexes: Mapping[str, Sequence[str]] | None = None,
        migrations: Sequence[Migration] = (),
    ) -> None:
        settings = app.settings
        self.settings = settings
        self.client = mongo_client(settings.mongo_uri, app_name=f"omni-{settings.service_name}")
        self.db = self.client[settings.mongo_database]
        self.store_probe = StoreProbe(
            settings.mongo_uri,
            app_name=f"omni-{settings.service_name}-health",
            seconds=settings.health_check_timeout_seconds,
        )
        self.bus = EventBus.from_settings(settings)
        self.outbox = Outbox(self.db)
        self.relay = OutboxRelay(self.db, self.bus, settings.service_name, outbox=self.outbox)
        self.idempotency = Idempotency(
            self.client,
            self.db,
            retention=timedelta(hours=settings.idempotency_retention_hours),
            lease=timedelta(seconds=settings.idempotency_lease_seconds),
            on_commit=self.relay.notify,
        )
        self._indexes = {
            **indexes,
            **Outbox.indexes(),
            **Inbox.indexes(),
            **Idempotency.indexes(),
        }
        self._obsolete = obsolete_indexes or {}
        self._migrations = migrations
        self._streams = streams
        self._app = app
        app.on_startup(self._start_store)
        app.on_startup(self._start_bus)
        app.on_shutdown(self._stop_store)
        app.on_shutdown(self._stop_bus)
        app.add_dependency("store", self.store_probe.answers)
        app.add_dependency("nats", self._bus_connected)
        app.add_background_task("outbox-relay", self.relay.run)
        rules = expiry.expiring(self._indexes)
        app.add_background_task("expiry", lambda: expiry.run(self.db, rules))

    async def transaction(self, work: Callable[[AsyncClientSession], Awaitable[T]]) -> T:
        """Run `work` in one transaction, then wake the relay to publish what it added. For a
        change a caller asked for, use `idempotency.run`, which records it with the change."""
        result = await transaction(self.client, work)
        self.relay.notify()
        return result

    def consume(
        self,
        durable: str,
        stream: str,
        subjects: str | Sequence[str],
        message_type: type[M] | Sequence[type[M]],
        handler: Handler[M],
        **options: Any,
    ) -> Inbox:
        """Run a durable consumer in the background (several message types: each event is decoded
        as the type its Omni-Event-Type header names); returns the inbox its handler should use
        (`await inbox.handle_once(infra.client, context.event_id, effect)`) so a redelivered
        event has its effect once; events its effects add are published at once."""
        options.setdefault("ack_wait", self.settings.event_ack_wait_seconds)
        consumer = Consumer(self.bus, stream, durable, subjects, handler, message_type, **options)
        # At 0 from the start, so rate() and the redeliveries alert see the first one.
        CONSUMER_REDELIVERIES.labels(self.bus.service_name, durable)
        self._app.add_background_task(f"consumer-{durable}", consumer.run)
        return Inbox(self.db, durable, on_commit=self.relay.notify)

    async def _bus_connected(self) -> bool:
        return self.bus.connected

    async def _start_store(self) -> None:
        setting = f"OMNI_{self.settings.service_name.upper()}_MONGO_URI"
        try:
            await ping(self.client)
            await ensure_indexes(self.db, self._indexes, self._obsolete)
            await migrate(self.db, self._migrations)
        except PyMongoError as error:
            raise StartupError(
                f"cannot use the store at {redact(self.settings.mongo_uri)} ({setting}): {error}"
            ) from None

    async def _start_bus(self) -> None:
        await self.bus.connect()
        for name, subjects in self._streams.items():
            await self.bus.ensure_stream(name, subjects)
        await self.bus.ensure_dead_letter_stream()

    async def _stop_store(self) -> None:
        await self.store_probe.close()
        await self.client.close()

    async def _stop_bus(self) -> None:
        await self.bus.close()


def redact(uri: str) -> str:
    """A connection URI without its credentials, for messages and logs."""
    return re.sub(r"//[^@/]+@", "//***@", uri)
