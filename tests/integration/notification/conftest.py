"""The notification service (and the real services it calls) in-process on free ports."""

from __future__ import annotations

import email
import email.policy
import importlib
import json
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from grpc import aio

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


class Mailbox:
    """A real SMTP server (aiosmtpd) that keeps what it receives; refuses listed recipients."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.refused: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, options):
        if address in self.refused:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(parsed)  # type: ignore[arg-type]
        return "250 Message accepted"


@pytest.fixture
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield mailbox, controller.port
    controller.stop()


class Receiver:
    """A real HTTP endpoint for webhook providers: records each JSON POST and answers as told
    (`status`), or holds the request until `release` is set (a hanging provider)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.status = 200
        self.hang = False
        self.release = threading.Event()
        self.lock = threading.Lock()

    def handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                body["_headers"] = dict(self.headers)
                with receiver.lock:
                    receiver.requests.append(body)
                    number = len(receiver.requests)
                if receiver.hang:
                    receiver.release.wait(30)
                reply = json.dumps({"message_id": f"m-{number}"}).encode()
                self.send_response(receiver.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler


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
