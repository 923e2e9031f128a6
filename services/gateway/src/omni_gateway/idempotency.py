"""Idempotency-Key on creating POSTs: the first response is stored and replayed for repeats."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.datastructures import State
from litestar.exceptions import ValidationException

from omni_gateway.security.principals import Principal
from omni_kit.idempotency import fingerprint

HEADER = "Idempotency-Key"
Work = Callable[[], Awaitable[tuple[int, Any]]]


def idempotency_key(request: Request[Any, Any, Any]) -> str | None:
    key = request.headers.get(HEADER)
    if key is not None and not 1 <= len(key) <= 255:
        raise ValidationException(
            "invalid Idempotency-Key",
            extra=[{"key": HEADER, "message": "must be 1-255 characters"}],
        )
    return key


async def idempotent(
    request: Request[Any, Any, Any], state: State, principal: Principal, work: Work
) -> Response[Any]:
    """Run `work` once per (caller, key); a repeat with the same body gets the first response,
    another body under the same key is refused (422), a concurrent repeat gets 409."""
    key = idempotency_key(request)
    if key is None:
        status, body = await work()
        return Response(body, status_code=status)

    async def run() -> bytes:
        status, body = await work()
        return msgspec.json.encode({"status": status, "body": body})

    request_fingerprint = fingerprint(request.method, request.url.path, await request.body())
    outcome = await state.idempotency.run(principal.rate_limit_key, key, request_fingerprint, run)
    stored = msgspec.json.decode(outcome.response)
    headers = {"Idempotent-Replayed": "true"} if outcome.replayed else {}
    return Response(stored["body"], status_code=stored["status"], headers=headers)
