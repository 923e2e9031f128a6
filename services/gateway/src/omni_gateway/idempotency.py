"""Idempotency-Key at the gateway: scoped to the caller and carried to the services.

Every request that may change something gets a call scope: the client's `Idempotency-Key` (or,
without one, a key made for this request, so the gateway's own retries of a call stay one
call) and, once authenticated, the caller (principal, or the partner for partner keys). Each
downstream call carries them in gRPC metadata, where the kit's idempotency pipeline does the
rest; the n-th call of one RPC in a request gets the key with `#n`. A replayed answer from any
service marks the response `Idempotent-Replayed: true`. Nothing here stores responses: the
gateway's own writes (staff users, partners, API keys, webhooks) use the same kit pipeline.
"""

from __future__ import annotations

import contextvars
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import msgspec
from google.protobuf.message import Message
from litestar import Request, Response
from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.exceptions import ValidationException
from litestar.types import ASGIApp, Receive, Scope, Send
from litestar.types import Message as AsgiMessage
from pymongo.asynchronous.client_session import AsyncClientSession

from omni_gateway.security.principals import Principal
from omni_kit.idempotency import (
    KEY_PATTERN,
    Codec,
    Command,
    Idempotency,
    call_metadata,
    fingerprint,
)
from omni_kit.ids import new_id

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
INVALID_KEY = "must be 1-255 printable ASCII characters without spaces"

Reply = tuple[int, Any]


@dataclass
class CallScope:
    key: str
    from_client: bool
    valid: bool = True
    caller: str = ""
    replayed: bool = False
    _calls: dict[str, int] = field(default_factory=dict)

    def require_valid(self) -> None:
        if not self.valid:
            raise ValidationException(
                f"invalid {HEADER}", extra=[{"key": HEADER, "message": INVALID_KEY}]
            )

    def key_for(self, name: str) -> str:
        """This request's key for its next call named `name` (the same on every retry)."""
        self.require_valid()
        count = self._calls.get(name, 0) + 1
        self._calls[name] = count
        return self.key if count == 1 else f"{self.key}#{count}"

    def metadata_for(self, request: Message) -> tuple[tuple[str, str], ...]:
        if not self.caller:  # not authenticated: nobody to scope a key to
            return ()
        return call_metadata(self.key_for(type(request).DESCRIPTOR.full_name), self.caller)


_current: contextvars.ContextVar[CallScope | None] = contextvars.ContextVar(
    "omni_call_scope", default=None
)


def current() -> CallScope | None:
    return _current.get()


def idempotency_key(request: Request[Any, Any, Any]) -> str | None:
    """The client's Idempotency-Key, validated (422 naming the header when malformed)."""
    key = request.headers.get(HEADER)
    if key is not None and not KEY_PATTERN.match(key):
        raise ValidationException(
            f"invalid {HEADER}", extra=[{"key": HEADER, "message": INVALID_KEY}]
        )
    return key


def identify(principal: Principal) -> Principal:
    """Scope this request's key to the caller who was just authenticated."""
    scope = current()
    if scope is not None:
        scope.caller = principal.caller
    return principal


def call_scope_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or scope["method"] in SAFE_METHODS:
            await app(scope, receive, send)
            return
        raw = dict(scope["headers"]).get(HEADER.lower().encode())
        given = raw.decode("latin-1") if raw is not None else None
        calls = CallScope(
            key=given if given is not None else new_id("gw"),
            from_client=given is not None,
            valid=given is None or bool(KEY_PATTERN.match(given)),
        )
        token = _current.set(calls)

        async def marked(message: AsgiMessage) -> None:
            if message["type"] == "http.response.start" and calls.replayed and calls.from_client:
                MutableScopeHeaders.from_message(message)[REPLAYED_HEADER] = "true"
            await send(message)

        try:
            await app(scope, receive, marked)
        finally:
            _current.reset(token)

    return middleware


def planned(
    write: Callable[[AsyncClientSession], Awaitable[Reply]],
) -> Callable[[], Awaitable[Callable[[AsyncClientSession], Awaitable[Reply]]]]:
    """A plan with nothing to check before its write."""

    async def plan() -> Callable[[AsyncClientSession], Awaitable[Reply]]:
        return write

    return plan


async def gateway_once(
    request: Request[Any, Any, Any],
    idempotency: Idempotency,
    name: str,
    plan: Callable[[], Awaitable[Callable[[AsyncClientSession], Awaitable[Reply]]]],
) -> Response[Any]:
    """A write to the gateway's own store, run once per (caller, key) like a service's."""
    calls = current()
    command = None
    if calls is not None and calls.caller:
        command = Command(
            method=f"gateway.{name}",
            caller=calls.caller,
            key=calls.key_for(name),
            fingerprint=fingerprint(name, request.url.path, await request.body()),
        )

    def replayed() -> None:
        if calls is not None:
            calls.replayed = True

    status, body = await idempotency.once(command, plan, JSON_REPLY, replayed=replayed)
    return Response(body, status_code=status)


JSON_REPLY: Codec[Reply] = Codec(
    encode=lambda reply: msgspec.json.encode(list(reply)),
    decode=lambda data: tuple(msgspec.json.decode(data)),
)
