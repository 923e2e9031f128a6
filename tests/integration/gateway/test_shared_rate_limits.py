"""Rate limits through real gateway processes: one budget across replicas, anonymous tokens add no
budget, per-account and per-address sign-in budgets, X-Forwarded-For only from trusted proxies."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import httpx

from omni_gateway.security.principals import Kind, Principal
from omni_gateway.security.tokens import TokenSigner
from omni_kit.ids import new_id

JWT_SECRET = "rate-limit-test-key-" + "k" * 32


async def inside_one_window(needed: float = 20.0) -> None:
    """Budgets are per minute of the clock: start a test early enough in one to finish in it."""
    left = 60 - time.time() % 60
    if left < needed:
        await asyncio.sleep(left + 0.2)


def wrong_password(email: str) -> dict[str, str]:
    return {"email": email, "password": "not-the-password"}


def assert_refused(reply: httpx.Response, limit: int) -> None:
    assert reply.status_code == 429, reply.text
    assert reply.headers["content-type"].startswith("application/problem+json")
    assert reply.json()["status"] == 429
    retry_after = int(reply.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    assert reply.headers["RateLimit-Limit"] == str(limit)
    assert reply.headers["RateLimit-Remaining"] == "0"
    assert reply.headers["RateLimit-Reset"] == str(retry_after)
    assert reply.headers["RateLimit-Policy"] == f"{limit};w=60"


async def test_two_gateways_over_one_store_share_one_budget(start_gateway):
    first = start_gateway(rate_limit_per_minute="4")
    second = start_gateway(rate_limit_per_minute="4")
    await inside_one_window()
    async with httpx.AsyncClient(timeout=15) as http:
        spent = [(await http.get(f"{first}/api/v1/me")) for _ in range(4)]
        assert [reply.status_code for reply in spent] == [401] * 4
        assert [reply.headers["RateLimit-Remaining"] for reply in spent] == ["3", "2", "1", "0"]
        # The other replica knows: the budget was spent on the first one.
        assert_refused(await http.get(f"{second}/api/v1/me"), 4)
        assert_refused(await http.get(f"{first}/api/v1/me"), 4)


async def test_fresh_anonymous_tokens_add_no_budget(start_gateway):
    """The probe from the issue: once the address's budget is spent, nine sign-in attempts each
    under a newly minted anonymous token are all refused."""
    base = start_gateway(
        jwt_secret=JWT_SECRET, rate_limit_per_minute="5", auth_rate_limit_per_minute="100"
    )
    signer = TokenSigner(JWT_SECRET, timedelta(minutes=15))
    await inside_one_window()
    async with httpx.AsyncClient(base_url=base, timeout=15) as http:
        minted = (await http.post("/api/v1/auth/anonymous")).json()["access_token"]
        for _ in range(4):
            await http.post("/api/v1/auth/token", json=wrong_password("anna@example.com"))
        attempts = []
        for token in [minted] + [
            signer.issue(Principal(Kind.ANONYMOUS, new_id("anon"))) for _ in range(8)
        ]:
            attempts.append(
                await http.post(
                    "/api/v1/auth/token",
                    json=wrong_password("anna@example.com"),
                    headers={"Authorization": f"Bearer {token}"},
                )
            )
    assert [reply.status_code for reply in attempts] == [429] * 9
    assert_refused(attempts[-1], 5)


async def test_sign_in_is_limited_per_account_and_per_address(start_gateway):
    base = start_gateway(
        trusted_proxies="127.0.0.1",
        auth_account_attempts="3",
        auth_account_window_seconds="600",
        auth_rate_limit_per_minute="4",
    )
    await inside_one_window()
    async with httpx.AsyncClient(base_url=base, timeout=15) as http:
        # One account tried from many addresses: the account's budget runs out.
        tries = [
            await http.post(
                "/api/v1/auth/token",
                json=wrong_password("Bea@Example.com" if n % 2 else "bea@example.com"),
                headers={"X-Forwarded-For": f"198.51.100.{n}"},
            )
            for n in range(4)
        ]
        assert [reply.status_code for reply in tries] == [401, 401, 401, 429]
        assert tries[3].headers["RateLimit-Policy"] == "3;w=600"
        assert 1 <= int(tries[3].headers["Retry-After"]) <= 600
        # Staff sign-in counts by username the same way.
        staff = [
            await http.post(
                "/staff/v1/auth/token",
                json={"username": "admin", "password": "wrong-one"},
                headers={"X-Forwarded-For": f"198.51.100.{10 + n}"},
            )
            for n in range(4)
        ]
        assert [reply.status_code for reply in staff] == [401, 401, 401, 429]
        # Many accounts from one address: the address's budget runs out.
        sprayed = [
            await http.post(
                "/api/v1/auth/token",
                json=wrong_password(f"user{n}@example.com"),
                headers={"X-Forwarded-For": "203.0.113.9"},
            )
            for n in range(5)
        ]
        assert [reply.status_code for reply in sprayed] == [401, 401, 401, 401, 429]
        assert_refused(sprayed[4], 4)
    # Each 401 above means the handler read the whole body after the limiter had read it.


async def test_forwarded_for_counts_only_from_trusted_proxies(start_gateway):
    untrusted = start_gateway(rate_limit_per_minute="3")
    trusted = start_gateway(rate_limit_per_minute="3", trusted_proxies="10.0.0.0/8,127.0.0.1/32")
    await inside_one_window()
    async with httpx.AsyncClient(timeout=15) as http:
        # A peer that is not a trusted proxy: whatever it forwards, it is one client.
        replies = [
            await http.get(f"{untrusted}/api/v1/me", headers={"X-Forwarded-For": f"192.0.2.{n}"})
            for n in range(4)
        ]
        assert [reply.status_code for reply in replies] == [401, 401, 401, 429]

        async def me(forwarded: str) -> int:
            reply = await http.get(f"{trusted}/api/v1/me", headers={"X-Forwarded-For": forwarded})
            return reply.status_code

        assert [await me("203.0.113.7") for _ in range(4)] == [401, 401, 401, 429]
        # What the client wrote in front of the address the proxies saw changes nothing.
        assert await me("1.2.3.4, 203.0.113.7") == 429
        # Trusted hops are skipped: the client is the nearest address that is not a proxy.
        assert await me("203.0.113.7, 10.1.2.3") == 429
        # Another client behind the same proxy has its own budget.
        assert await me("203.0.113.8") == 401
