"""The connection to NATS JetStream: stream provisioning and publishing that waits for storage."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

import nats
from google.protobuf.message import Message
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.errors import BadRequestError, NotFoundError

from omni_kit.app import StartupError
from omni_kit.events.backoff import Backoff
from omni_kit.events.codec import event_type
from omni_kit.events.names import (
    CHANNEL,
    CONTENT_TYPE,
    DLQ_STREAM,
    DLQ_SUBJECTS,
    EVENT_TYPE,
    MSG_ID,
    PROTOBUF,
    stream_name,
    stream_subjects,
)
from omni_kit.events.streams import StreamPolicy, reconcile, warn_kept
from omni_kit.events.tracing import producer_span
from omni_kit.logs import get_logger
from omni_kit.metrics import EVENTS_PUBLISHED
from omni_kit.settings import ServiceSettings

log = get_logger("omni.events")

_STREAM_NAME_IN_USE = 10058
RECONNECT_BACKOFF = Backoff(first=0.25, maximum=5.0)


class BusUnavailable(Exception):
    """NATS cannot be reached right now; the caller keeps the event and tries again later."""


class EventBus:
    def __init__(
        self,
        url: str,
        *,
        service_name: str,
        publish_timeout: float = 5.0,
        connect_wait: float = 10.0,
        reconnect: Backoff = RECONNECT_BACKOFF,
        streams: StreamPolicy | None = None,
    ) -> None:
        self.url = url
        self.streams = streams or StreamPolicy()
        self.service_name = service_name
        self.publish_timeout = publish_timeout
        self.connect_wait = connect_wait
        self.reconnect = reconnect
        self._nc: Client | None = None
        self._js: JetStreamContext | None = None
        self._closing = False

    @classmethod
    def from_settings(cls, settings: ServiceSettings, **options: Any) -> EventBus:
        return cls(
            settings.nats_url,
            service_name=settings.service_name,
            streams=StreamPolicy.of(settings),
            **options,
        )

    @property
    def nc(self) -> Client:
        if self._nc is None:
            raise BusUnavailable("the event bus is not connected: call connect() first")
        return self._nc

    @property
    def js(self) -> JetStreamContext:
        if self._js is None:
            raise BusUnavailable("the event bus is not connected: call connect() first")
        return self._js

    @property
    def connected(self) -> bool:
        return self._nc is not None and self._nc.is_connected

    async def connect(self) -> None:
        """Connect, failing start-up if NATS stays unreachable; later outages reconnect forever."""
        nc = Client()
        self._closing = False
        try:
            await asyncio.wait_for(
                nc.connect(
                    # nats://a:4222,nats://b:4222 (the chart's nats.url): nats-py wants a list.
                    [server.strip() for server in self.url.split(",") if server.strip()],
                    name=f"omni-{self.service_name}",
                    max_reconnect_attempts=-1,
                    # Annotated int in nats-py, but only ever slept on: a float is fine.
                    reconnect_time_wait=self.reconnect.first,  # type: ignore[arg-type]
                    reconnect_to_server_handler=self._next_server,
                    error_cb=self._on_error,
                    disconnected_cb=self._on_disconnected,
                    reconnected_cb=self._on_reconnected,
                ),
                self.connect_wait,
            )
        except TimeoutError:
            await nc.close()
            raise StartupError(
                f"cannot reach NATS at {self.url} within {self.connect_wait:g}s"
            ) from None
        self._nc, self._js = nc, nc.jetstream(timeout=self.publish_timeout)

    async def close(self) -> None:
        nc, self._nc, self._js = self._nc, None, None
        self._closing = True
        if nc is None or nc.is_closed:
            return
        if nc.is_connected:
            await nc.drain()
        else:
            await nc.close()

    async def ensure_stream(
        self, name: str, subjects: Sequence[str], *, max_age: float | None = None
    ) -> None:
        """Create the stream, or bring an existing one up to the settings without lowering what
        an operator raised (streams.reconcile); idempotent."""
        wanted = self.streams.config(name, subjects, max_age=max_age)
        try:
            await self.js.add_stream(wanted)
            return
        except BadRequestError as error:
            if error.err_code != _STREAM_NAME_IN_USE:
                raise
        try:
            existing = (await self.js.stream_info(name)).config
        except NotFoundError:  # deleted meanwhile: create it after all
            await self.js.add_stream(wanted)
            return
        update, kept = reconcile(existing, wanted)
        warn_kept(name, kept)
        if update is not None:
            await self.js.update_stream(update)
            log.info("stream_updated", stream=name, subjects=update.subjects)

    async def ensure_domain_stream(self, domain: str) -> str:
        name = stream_name(domain)
        await self.ensure_stream(name, stream_subjects(domain))
        return name

    async def ensure_dead_letter_stream(self) -> None:
        await self.ensure_stream(DLQ_STREAM, DLQ_SUBJECTS, max_age=self.streams.dead_letter_max_age)

    async def publish(
        self,
        subject: str,
        message: Message,
        *,
        event_id: str,
        headers: Mapping[str, str] | None = None,
    ) -> bool:
        """Publish and wait until JetStream has stored it; True if it was a duplicate."""
        return await self.publish_payload(
            subject,
            message.SerializeToString(),
            event_id=event_id,
            event_type=event_type(message),
            headers=headers,
        )

    async def publish_payload(
        self,
        subject: str,
        payload: bytes,
        *,
        event_id: str,
        event_type: str,
        headers: Mapping[str, str] | None = None,
    ) -> bool:
        # While reconnecting, nats-py would buffer the request and time out later: fail at once
        # so the caller backs off, and the outbox keeps the event.
        if not self.connected:
            raise BusUnavailable(f"NATS at {self.url} is not connected")
        with producer_span(subject, event_id, headers or {}) as traced:
            traced.update({MSG_ID: event_id, CONTENT_TYPE: PROTOBUF})
            if event_type:
                traced[EVENT_TYPE] = event_type
            try:
                ack = await self.js.publish(subject, payload, headers=traced)
            except (nats.errors.TimeoutError, nats.errors.ConnectionClosedError) as error:
                raise BusUnavailable(f"no acknowledgement from JetStream for {subject}") from error
        EVENTS_PUBLISHED.labels(self.service_name, subject, traced.get(CHANNEL, "")).inc()
        return bool(ack.duplicate)

    def _next_server(self, servers: list[Any], _info: dict[str, Any]) -> tuple[Any, float]:
        return None, self.reconnect.delay(servers[0].reconnects if servers else 0)

    async def _on_error(self, error: Exception) -> None:
        log.warning("nats_error", url=self.url, error=str(error) or type(error).__name__)

    async def _on_disconnected(self) -> None:
        if not self._closing:
            log.warning("nats_disconnected", url=self.url)

    async def _on_reconnected(self) -> None:
        log.info("nats_reconnected", url=self.url)
