"""The caller's signed-in sessions, as the same two routes for customers (/api/v1/auth/sessions)
and staff (/staff/v1/auth/sessions): list them, sign out one (ASVS 3.3.4)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Controller, Request, delete, get
from litestar.datastructures import State
from litestar.di import Provide

from omni_gateway.security.principals import Principal
from omni_gateway.security.sessions import end_session, live_sessions
from omni_gateway.views.account import SessionList

Authenticate = Callable[[Request[Any, Any, Any]], Awaitable[Principal]]


def session_routes(auth_path: str, tag: str, authenticate: Authenticate) -> type[Controller]:
    class Sessions(Controller):
        path = f"{auth_path}/sessions"
        tags = [tag]
        dependencies = {"principal": Provide(authenticate)}
        security = [{"bearerAuth": []}]

        @get("/", summary="My signed-in sessions (devices), newest first")
        async def list_sessions(self, state: State, principal: Principal) -> SessionList:
            return await live_sessions(state, principal)

        @delete(
            "/{session_id:str}",
            summary="Sign out one of my sessions (its access tokens end as they expire)",
            status_code=204,
        )
        async def sign_out(self, state: State, principal: Principal, session_id: str) -> None:
            await end_session(state, principal, session_id)

    return Sessions
