"""A provider fake's HTTP server on loopback: a thread serving each request through the fake's
`handle`, the control endpoints every fake has (/_control/...), and signed callbacks sent the
way the provider sends them (at once, twice, or held back and sent late)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import queue
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode(), keep_blank_values=True).items()}


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    location: str = ""

    @classmethod
    def json(cls, value: Any, status: int = 200) -> Answer:
        return cls(status, json.dumps(value).encode())


@dataclass
class Outgoing:
    """A callback as the provider sends it."""

    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


@dataclass
class Delivered:
    callback: Outgoing
    status: int
    body: bytes


class FakeProvider:
    """Subclasses implement `handle` (the provider's API and pages) and build callbacks with
    `callback`. Control (POST /_control/<what>, JSON body):
    - decline: the next payment is declined;
    - require_action: the next payment needs the customer (3-D Secure, a redirect);
    - delay {"seconds", "times"} or {"seconds": [...]}: the next answers come that late,
      after the fake has acted;
    - hold_callbacks / release_callbacks: callbacks wait, then go out late;
    - resend_last_callback: the last callback again (a duplicate);
    - GET /_control/state: every payment as the provider keeps it."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.payments: dict[str, dict[str, Any]] = {}
        self.decline_next = False
        self.action_next = False
        self.delays: list[float] = []
        self.holding = False
        self.held: list[Outgoing] = []
        self.delivered: list[Delivered] = []
        self.requests: list[Request] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self.outbox: queue.Queue[Outgoing | None] = queue.Queue()
        self._sender = threading.Thread(target=self._send_queued, daemon=True)

    @property
    def base(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeProvider:
        self._thread.start()
        self._sender.start()
        return self

    def stop(self) -> None:
        self.outbox.put(None)
        self._server.shutdown()
        self._server.server_close()

    # -- the provider's side, implemented by each fake
    def handle(self, request: Request) -> Answer:
        raise NotImplementedError

    # -- callbacks
    def send(self, callback: Outgoing) -> None:
        """Queue a callback; it goes out after the answer, from the fake's own sender, as a
        provider's webhooks do."""
        with self.lock:
            if self.holding:
                self.held.append(callback)
                return
        self.outbox.put(callback)

    def _send_queued(self) -> None:
        while True:
            callback = self.outbox.get()
            if callback is None:
                return
            self._deliver(callback)
            self.outbox.task_done()

    async def settle(self, timeout: float = 15.0) -> None:
        """Wait until every queued callback was delivered (without blocking the event loop the
        receiving services run on)."""
        deadline = time.monotonic() + timeout
        while self.outbox.unfinished_tasks and time.monotonic() < deadline:
            await asyncio.sleep(0.05)

    def _deliver(self, callback: Outgoing) -> None:
        request = urllib.request.Request(
            callback.url,
            data=callback.body if callback.method == "POST" else None,
            headers=callback.headers,
            method=callback.method,
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as reply:
                status, body = reply.status, reply.read()
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read()
        except OSError as error:
            status, body = 0, str(error).encode()
        with self.lock:
            self.delivered.append(Delivered(callback, status, body))

    def last_callback(self) -> Outgoing:
        with self.lock:
            return self.delivered[-1].callback

    # -- control
    def control(self, what: str, args: dict[str, Any]) -> Answer:
        with self.lock:
            if what == "decline":
                self.decline_next = True
            elif what == "require_action":
                self.action_next = True
            elif what == "delay":  # "seconds": one delay, or a list: the next answers' delays
                seconds = args["seconds"]
                pattern = seconds if isinstance(seconds, list) else [seconds] * args.get("times", 1)
                self.delays = [float(value) for value in pattern]
            elif what == "hold_callbacks":
                self.holding = True
            elif what == "release_callbacks":
                self.holding, held, self.held = False, self.held, []
            elif what == "resend_last_callback":
                held = [self.delivered[-1].callback]
            elif what == "state":
                return Answer.json(self.payments)
            else:
                return Answer.json({"error": f"no control {what!r}"}, 404)
        if what in ("release_callbacks", "resend_last_callback"):
            for callback in held:
                self.outbox.put(callback)
        return Answer.json({"ok": True})

    def take_decline(self) -> bool:
        with self.lock:
            declined, self.decline_next = self.decline_next, False
            return declined

    def take_action(self) -> bool:
        with self.lock:
            action, self.action_next = self.action_next, False
            return action

    def _late(self) -> float:
        with self.lock:
            return self.delays.pop(0) if self.delays else 0.0

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                request = Request(
                    self.command,
                    parts.path,
                    {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()},
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length) if length else b"",
                )
                if parts.path.startswith("/_control/"):
                    args = json.loads(request.body or b"{}")
                    answer = fake.control(parts.path.removeprefix("/_control/"), args)
                else:
                    with fake.lock:
                        fake.requests.append(request)
                    answer = fake.handle(request)
                    late = fake._late()
                    if late:
                        time.sleep(late)  # it acted; the answer is what comes too late
                self.send_response(answer.status)
                self.send_header("Content-Type", answer.content_type)
                if answer.location:
                    self.send_header("Location", answer.location)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(answer.body)  # a client that gave up waiting is gone

            do_GET = do_POST = _serve

            def log_message(self, *args: object) -> None:
                pass

        return Handler
