"""The console's session: an encrypted, HttpOnly, SameSite=Lax cookie holding the staff
session the API issues (access and refresh token), so the API's rules apply to the console
unchanged: on each request the access token is handed to the staff routes' authentication as
an `Authorization` header (roles, stores, session generation, second factor), an expired one is
refreshed with the refresh token (the session's maximum age, revocation), a session whose
refresh token was revoked (signed out here, on another device, or everywhere) or that was idle
too long ends at once. Forms and htmx requests carry a CSRF token (Litestar's signed
double-submit cookie)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
from functools import cached_property
from typing import Any

from cachetools import TTLCache
from litestar.config.csrf import CSRFConfig
from litestar.enums import ScopeType
from litestar.exceptions import NotAuthorizedException
from litestar.middleware import ASGIMiddleware
from litestar.middleware.session.base import SessionMiddleware
from litestar.middleware.session.client_side import ClientSideSessionBackend, CookieBackendConfig
from litestar.types import ASGIApp, Empty, Receive, Scope, Send
from litestar.utils.scope.state import ScopeState

from omni_gateway.security.sessions import rotate_session
from omni_gateway.security.tokens import TokenError
from omni_gateway.settings import GatewaySettings
from omni_gateway.views.account import Session

PATH = "/console"
COOKIE = "omni_console"
CSRF_COOKIE = "omni_console_csrf"
CSRF_FIELD = "_csrf_token"  # the form field Litestar's CSRF middleware reads
CSRF_HEADER = "x-csrftoken"
# Why a request arrived without a session, for the sign-in page: idle too long, or ended.
ENDED = "console_session_ended"


def _key(settings: GatewaySettings, purpose: bytes) -> bytes:
    """A key of its own for each use, derived from the token key (rotating it signs staff out
    of the console, as it refuses their API tokens)."""
    return hmac.new(
        settings.jwt_secret.get_secret_value().encode(), purpose, hashlib.sha256
    ).digest()


def cookie_config(settings: GatewaySettings) -> CookieBackendConfig:
    return CookieBackendConfig(
        secret=_key(settings, b"omni console session"),
        key=COOKIE,
        path=PATH,
        max_age=settings.session_max_age_seconds,
        secure=settings.console_cookie_secure,
        httponly=True,
        samesite="lax",
        scopes={ScopeType.HTTP},
    )


def csrf_config(settings: GatewaySettings) -> CSRFConfig:
    return CSRFConfig(
        secret=_key(settings, b"omni console csrf").hex(),
        cookie_name=CSRF_COOKIE,
        cookie_path=PATH,
        header_name=CSRF_HEADER,
        cookie_secure=settings.console_cookie_secure,
        cookie_httponly=True,  # pages carry the token; no script needs to read the cookie
        cookie_samesite="lax",
    )


def start(session: dict[str, Any], issued: Session, username: str, zone: str) -> None:
    """A signed-in console session (keeping the language chosen before)."""
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    session.update(
        access=issued.access_token,
        refresh=issued.refresh_token,
        user=username,
        zone=zone,
        seen=int(time.time()),
    )


class CookieSession(ASGIMiddleware):
    """Litestar's encrypted cookie session, its cipher made at first use (a router's middleware
    is copied when the app is built, and a cipher cannot be)."""

    scopes = (ScopeType.HTTP,)

    def __init__(self, settings: GatewaySettings) -> None:
        self.config = cookie_config(settings)

    @cached_property
    def backend(self) -> ClientSideSessionBackend:
        return ClientSideSessionBackend(self.config)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        await SessionMiddleware(next_app, self.backend)(scope, receive, send)


class StaffSession(ASGIMiddleware):
    """Turns the session cookie into the staff API's bearer token (see the module's text)."""

    scopes = (ScopeType.HTTP,)

    def __init__(self, settings: GatewaySettings) -> None:
        self.idle_seconds = settings.console_idle_timeout_seconds
        # A refresh token is spent once: requests that find the access token expired at the
        # same time (a page and its htmx calls) share one rotation instead of racing.
        self.rotated: TTLCache[str, Session] = TTLCache(maxsize=10_000, ttl=60)
        self.rotating = asyncio.Lock()

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        # Console requests are authenticated by the cookie alone.
        headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"authorization"]
        session = scope.get("session")
        if isinstance(session, dict) and session.get("refresh"):
            access, ended = await self._access(scope["litestar_app"].state, session)
            if access:
                headers.append((b"authorization", f"Bearer {access}".encode()))
            else:
                session.clear()
                scope.setdefault("state", {})[ENDED] = ended
        scope["headers"] = headers
        ScopeState.from_scope(scope).headers = Empty  # read before (the CSRF check): read again
        await next_app(scope, receive, send)

    async def _access(self, state: Any, session: dict[str, Any]) -> tuple[str | None, str]:
        now = int(time.time())
        refresh = str(session["refresh"])
        if now - int(session.get("seen", 0)) > self.idle_seconds:
            await state.accounts.revoke_refresh(refresh)
            return None, "idle"
        fresh = self.rotated.get(refresh)
        if fresh is None and self._expired(state, str(session.get("access", ""))):
            fresh = await self._rotate(state, refresh)
            if fresh is None:
                return None, "ended"
        if fresh is not None:
            session.update(access=fresh.access_token, refresh=fresh.refresh_token)
        # Signed out here or elsewhere since (a copy of an older cookie included): refused now,
        # not when the access token expires.
        if not await state.accounts.refresh_live(str(session["refresh"])):
            return None, "ended"
        session["seen"] = now
        return str(session["access"]), ""

    @staticmethod
    def _expired(state: Any, access: str) -> bool:
        try:
            state.tokens.verify(access, "omni-staff")
        except TokenError:
            return True  # expired, or signed with a key no longer accepted: refresh either way
        return False

    async def _rotate(self, state: Any, refresh: str) -> Session | None:
        async with self.rotating:
            fresh = self.rotated.get(refresh)
            if fresh is None:
                try:
                    fresh = await rotate_session(state, refresh, staff=True)
                except NotAuthorizedException:
                    return None
                self.rotated[refresh] = fresh
            return fresh
