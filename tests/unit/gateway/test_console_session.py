"""The console's session middleware alone (console/session.py), with a stand-in for the
account store: an idle session ends and its refresh token is revoked, a revoked one ends, an
expired access token is refreshed once however many requests find it expired together."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from types import SimpleNamespace

import pytest
from pydantic import ValidationError

from omni_gateway.console.session import StaffSession, cookie_config
from omni_gateway.security.accounts import AccountError, RefreshGrant
from omni_gateway.security.principals import Kind, Principal, StaffRole
from omni_gateway.security.tokens import TokenSigner
from omni_gateway.settings import GatewaySettings

SECRET = "s" * 40
CORA = Principal(Kind.STAFF, "stf_cora", role=StaffRole.CONSULTANT, session_id="fam_1")


class Accounts:
    def __init__(self) -> None:
        self.live = {"r1"}
        self.revoked: list[str] = []
        self.rotations = 0

    async def revoke_refresh(self, token: str) -> None:
        self.revoked.append(token)
        self.live.discard(token)

    async def refresh_live(self, token: str) -> bool:
        return token in self.live

    async def rotate_refresh(self, token: str) -> RefreshGrant:
        await asyncio.sleep(0.01)  # the store's round trip, while other requests arrive
        if token not in self.live:
            raise AccountError
        self.live.discard(token)
        self.rotations += 1
        fresh = f"r{self.rotations + 1}"
        self.live.add(fresh)
        return RefreshGrant(fresh, CORA)


def state(ttl: timedelta = timedelta(minutes=15)) -> SimpleNamespace:
    return SimpleNamespace(accounts=Accounts(), tokens=TokenSigner(SECRET, ttl))


def middleware() -> StaffSession:
    return StaffSession(GatewaySettings(jwt_secret=SECRET, console_idle_timeout_seconds=600))


async def test_an_idle_session_ends_and_its_refresh_token_is_revoked():
    app = state()
    session = {"access": app.tokens.issue(CORA), "refresh": "r1", "seen": time.time() - 601}
    assert await middleware()._access(app, session) == (None, "idle")
    assert app.accounts.revoked == ["r1"]


async def test_a_live_session_is_used_and_a_revoked_one_ends():
    app = state()
    session = {"access": app.tokens.issue(CORA), "refresh": "r1", "seen": time.time() - 599}
    access, _ = await middleware()._access(app, session)
    assert access == session["access"] and session["seen"] >= time.time() - 1
    app.accounts.live.clear()  # signed out elsewhere
    assert await middleware()._access(app, session) == (None, "ended")


async def test_an_expired_access_token_is_refreshed_once_for_requests_arriving_together():
    app = state(timedelta(seconds=-1))  # every token it issues has expired
    gate = middleware()
    sessions = [
        {"access": app.tokens.issue(CORA), "refresh": "r1", "seen": time.time()} for _ in range(3)
    ]
    answers = await asyncio.gather(*(gate._access(app, s) for s in sessions))
    assert app.accounts.rotations == 1
    assert all(access for access, _ in answers)
    assert {s["refresh"] for s in sessions} == {"r2"}


def test_the_session_cookie_is_secure_unless_turned_off_and_never_in_production():
    cookie = cookie_config(GatewaySettings(jwt_secret=SECRET))
    assert (cookie.secure, cookie.httponly, cookie.samesite, cookie.path) == (
        True,
        True,
        "lax",
        "/console",
    )
    with pytest.raises(ValidationError, match="console_cookie_secure"):
        GatewaySettings(jwt_secret=SECRET, environment="production", console_cookie_secure=False)
