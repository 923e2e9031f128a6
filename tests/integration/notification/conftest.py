"""The notification service (and the real services it calls) in-process on free ports, and
real receivers for its providers."""

from __future__ import annotations

import importlib
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from http.server import ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from grpc import aio
from notification_helpers import Mailbox, Receiver

from omni.notification.v1 import notification_pb2_grpc
from omni_kit.app import ServiceApp, channel
from omni_kit.localstack import free_port

StartApp = Callable[..., Awaitable[ServiceApp]]


@pytest.fixture
async def start_app(mongo_uri, nats_url, db_name) -> AsyncIterator[StartApp]:
    """start_app(name, **settings) -> the running ServiceApp, with its own fresh database."""
    apps: list[ServiceApp] = []

    async def start(name: str, **settings: Any) -> ServiceApp:
        settings_class = getattr(
            importlib.import_module(f"omni_{name}.settings"), f"{name.capitalize()}Settings"
        )
        values = {
            "grpc_port": 0,
            "mongo_uri": mongo_uri,
            "nats_url": nats_url,
            "mongo_database": f"{db_name}_{name}",
            **settings,
        }
        app = await importlib.import_module(f"omni_{name}.server").create_app(
            settings_class(**values)
        )
        await app.start()
        apps.append(app)
        return app

    yield start
    for app in reversed(apps):
        await app.stop(grace=0)


@pytest.fixture
async def connect() -> AsyncIterator[Callable[[ServiceApp], aio.Channel]]:
    channels: list[aio.Channel] = []

    def open_channel(app: ServiceApp) -> aio.Channel:
        channels.append(channel(f"127.0.0.1:{app.port}"))
        return channels[-1]

    yield open_channel
    for each in channels:
        await each.close()


@pytest.fixture
def notification_stub(connect):
    def stub(app: ServiceApp) -> notification_pb2_grpc.NotificationServiceStub:
        return notification_pb2_grpc.NotificationServiceStub(connect(app))

    return stub


@pytest.fixture
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    # A fixed server name: aiosmtpd would otherwise resolve this machine's name through DNS.
    controller = Controller(
        mailbox, hostname="127.0.0.1", port=free_port(), server_hostname="smtp.omni.test"
    )
    controller.start()
    yield mailbox, controller.port
    controller.stop()


@pytest.fixture
def webhook_receiver() -> Iterator[tuple[Receiver, str]]:
    receiver = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), receiver.handler())
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield receiver, f"http://127.0.0.1:{server.server_address[1]}/send"
    receiver.release.set()
    server.shutdown()
    server.server_close()
