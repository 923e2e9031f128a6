"""Real receivers and helpers for the notification tests: an SMTP server, an HTTP endpoint,
profiles in the real customer service, polling and event lookups."""

from __future__ import annotations

import asyncio
import email
import email.policy
import inspect
import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import Any, TypeVar

from google.protobuf import field_mask_pb2
from google.protobuf.message import Message

from omni.customer.v1 import customer_pb2, customer_pb2_grpc
from omni_kit.idempotency import call_metadata

M = TypeVar("M", bound=Message)


class Mailbox:
    """A real SMTP server (aiosmtpd) that keeps what it receives; refuses listed recipients."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.greetings: list[str] = []  # the name each sender gave in EHLO/HELO
        self.refused: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, options):
        if address in self.refused:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(parsed)  # type: ignore[arg-type]
        self.greetings.append(session.host_name)
        return "250 Message accepted"


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


async def eventually(check: Callable[[], Any], *, within: float = 20.0) -> Any:
    """Poll `check` (plain or async) until it gives something truthy; a bound, not a timing
    assertion."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not true within {within}s: {check}")
        await asyncio.sleep(0.05)


async def published(nc, subject: str, message_type: type[M], match: Callable[[M], bool]) -> M:
    """The first event on `subject` that `match` accepts (streams are shared by the session)."""
    js = nc.jetstream()
    sub = await js.subscribe(subject, ordered_consumer=True)
    try:
        while True:
            msg = await sub.next_msg(timeout=20)
            event = message_type()
            event.ParseFromString(msg.data)
            if match(event):
                return event
    finally:
        await sub.unsubscribe()


class Customers:
    """Profiles in the real customer service, with the preferences a test needs."""

    def __init__(self, stub: customer_pb2_grpc.CustomerServiceStub) -> None:
        self.stub = stub

    async def create(
        self,
        email: str,
        *,
        phone: str = "",
        name: str = "Ana",
        preferences: customer_pb2.Preferences | None = None,
    ) -> str:
        created = await self.stub.FindOrCreateProfile(
            customer_pb2.FindOrCreateProfileRequest(
                identity=customer_pb2.Identity(kind=customer_pb2.IDENTITY_KIND_EMAIL, value=email),
                display_name=name,
            ),
            metadata=call_metadata(f"create-{email}", "test"),
        )
        profile_id = created.profile.id
        if phone:
            await self.stub.AddIdentity(
                customer_pb2.AddIdentityRequest(
                    profile_id=profile_id,
                    identity=customer_pb2.Identity(
                        kind=customer_pb2.IDENTITY_KIND_PHONE, value=phone
                    ),
                )
            )
        if preferences is not None:
            fields = [f.name for f, _ in preferences.ListFields()]
            await self.stub.UpdatePreferences(
                customer_pb2.UpdatePreferencesRequest(
                    profile_id=profile_id,
                    preferences=preferences,
                    update_mask=field_mask_pb2.FieldMask(paths=fields),
                )
            )
        return profile_id

    async def consent(self, profile_id: str, channel: int, purpose: int, granted: bool) -> None:
        await self.stub.RecordConsent(
            customer_pb2.RecordConsentRequest(
                profile_id=profile_id, channel=channel, purpose=purpose, granted=granted
            )
        )
