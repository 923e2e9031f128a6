"""`Server-Timing: total;dur=<ms>` on every console page: the gateway's own time for it, from the
console's first middleware to the response's headers (the page is rendered by then), so load
tests and browsers' developer tools see the server's share apart from the network's."""

from __future__ import annotations

import time

from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "server-timing"


class ServerTiming(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        started = time.perf_counter()

        async def timed(message: Message) -> None:
            if message["type"] == "http.response.start":
                elapsed = (time.perf_counter() - started) * 1000
                MutableScopeHeaders.from_message(message).add(HEADER, f"total;dur={elapsed:.1f}")
            await send(message)

        await next_app(scope, receive, timed)
