"""The staff console under 20 concurrent staff users: the time to each main page (issue 22,
item 8). Ten associates (one store each) walk find, customer 360, pickup board and stock; ten
admins walk find, customer 360, admin products and admin locations; each user signed in through
the console's own form, with its session cookie, page after page for SECONDS.

Two times per page: the server's, from the gateway's `Server-Timing: total;dur=` header (its
console middleware to the response's headers, the page rendered), and the client's, from
sending the request to the last byte of the page on the same machine (loopback), which adds the
gateway's outer middleware, the round trip and the generator's own scheduling.

A/B (`make bench ab=REV only=console_pages`): both sides in alternating slices; a revision
without the header reports no server times."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import sys
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any, Self

import aiohttp
import httpx
from harness.load import Sample, run_clients
from harness.shop import seed_products
from harness.stack import ADMIN, Stack, local_stack, machine

USERS = 20
SECONDS = float(os.environ.get("SECONDS", "40"))
PASSWORD = "long enough pw"
CUSTOMERS = 50
ENV = {
    "OMNI_GATEWAY_RATE_LIMIT_PER_MINUTE": "100000000",
    "OMNI_GATEWAY_PARTNER_RATE_LIMIT_PER_MINUTE": "100000000",
    "OMNI_GATEWAY_AUTH_RATE_LIMIT_PER_MINUTE": "100000000",  # 20 staff sign in
    "OMNI_GATEWAY_CONSOLE_COOKIE_SECURE": "false",  # the stack speaks plain http
}
AB_ENV = ENV
AB_TRACED = False
CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')
SERVER_TIME = re.compile(r"\btotal;dur=([0-9.]+)")


async def token(http: httpx.AsyncClient, username: str, password: str) -> dict[str, str]:
    """A staff session; a password an admin chose is set again as the member's own first."""
    reply = await http.post(
        "/staff/v1/auth/token", json={"username": username, "password": password}
    )
    reply.raise_for_status()
    headers = {"Authorization": f"Bearer {reply.json()['access_token']}"}
    own = await http.post(
        "/staff/v1/auth/password",
        json={"current_password": password, "new_password": password},
        headers=headers,
    )
    if own.status_code == 200:
        headers = {"Authorization": f"Bearer {own.json()['access_token']}"}
    return headers


async def console_session(base: str, username: str, password: str) -> aiohttp.ClientSession:
    session = aiohttp.ClientSession(
        base_url=base,
        cookie_jar=aiohttp.CookieJar(unsafe=True),  # cookies from 127.0.0.1
        timeout=aiohttp.ClientTimeout(total=60),
    )
    async with session.get("/console/sign-in") as form:
        found = CSRF.search(await form.text())
        assert found, "no CSRF field on the sign-in page"
    fields = {"username": username, "password": password, "_csrf_token": found[1], "next": ""}
    async with session.post("/console/sign-in", data=fields, allow_redirects=False) as signed:
        assert signed.status == 303, (signed.status, await signed.text())
    return session


@dataclass
class ConsoleLoad:
    """Twenty staff members on one stack's console, a slice at a time (an A/B side)."""

    sessions: list[aiohttp.ClientSession]
    users: list[tuple[str, str]]
    emails: list[str]
    profiles: list[str]
    skus: list[str]
    client: dict[str, Sample] = field(default_factory=dict)
    server: dict[str, Sample] = field(default_factory=dict)
    turns: list[int] = field(default_factory=lambda: [0] * USERS)
    elapsed: float = 0.0

    @classmethod
    async def prepared(cls, stack: Stack, exit_stack: AsyncExitStack) -> Self:
        _, skus, stores = await seed_products(stack.grpc, 50, stock_per_location=5)
        emails = [f"shopper{n}@example.com" for n in range(CUSTOMERS)]
        profiles, users = [], []
        async with httpx.AsyncClient(base_url=stack.base_url, timeout=60) as http:
            admin = await token(http, *ADMIN)
            for n, email in enumerate(emails):
                created = await http.post(
                    "/staff/v1/customers",
                    json={"email": email, "display_name": f"Shopper {n}"},
                    headers=admin,
                )
                assert created.status_code == 201, created.text
                profiles.append(created.json()["profile"]["id"])
            for n in range(USERS):
                role = "admin" if n % 2 else "associate"
                created = await http.post(
                    "/staff/v1/users",
                    json={
                        "username": f"staff{n}",
                        "password": PASSWORD,
                        "role": role,
                        "store_ids": [] if role == "admin" else [stores[n % len(stores)]],
                    },
                    headers=admin,
                )
                assert created.status_code == 201, created.text
                await token(http, f"staff{n}", PASSWORD)
                users.append((role, stores[n % len(stores)]))
        sessions = []
        for n in range(USERS):
            session = await console_session(stack.base_url, f"staff{n}", PASSWORD)
            sessions.append(await exit_stack.enter_async_context(session))
        return cls(sessions, users, emails, profiles, skus)

    def pages(self, role: str, store: str) -> dict[str, str]:
        shared = {
            "find": f"/console/customers?q={random.choice(self.emails)}",
            "customer 360": f"/console/customers/{random.choice(self.profiles)}",
        }
        if role == "admin":
            return shared | {
                "admin products": "/console/admin/products",
                "admin locations": "/console/admin/locations",
            }
        return shared | {
            "pickups board": f"/console/stores/{store}/pickups",
            "stock": f"/console/stock?sku={random.choice(self.skus)}",
        }

    async def visit(self, worker: int) -> str:
        chosen = self.pages(*self.users[worker])
        name = list(chosen)[self.turns[worker] % len(chosen)]
        self.turns[worker] += 1
        loop = asyncio.get_running_loop()
        started = loop.time()
        async with self.sessions[worker].get(chosen[name], allow_redirects=False) as reply:
            await reply.read()
            status = str(reply.status)
            timing = SERVER_TIME.search(reply.headers.get("server-timing", ""))
        self.client.setdefault(name, Sample()).record(loop.time() - started, status)
        if timing:
            self.server.setdefault(name, Sample()).record(float(timing[1]) / 1000, status)
        return status

    async def run_slice(self, seconds: float) -> None:
        self.elapsed += (await run_clients(USERS, self.visit, seconds=seconds)).elapsed

    def reset(self) -> None:
        self.client, self.server, self.elapsed = {}, {}, 0.0

    def report(self) -> dict[str, Any]:
        refused = {n: s.outcomes for n, s in self.client.items() if set(s.outcomes) != {"200"}}
        assert not refused, f"pages that did not answer 200: {refused}"
        for sample in (*self.client.values(), *self.server.values()):
            sample.elapsed = self.elapsed
        return {
            "pages": {
                name: {
                    "server": self.server[name].summary() if name in self.server else None,
                    "client": sample.summary(),
                }
                for name, sample in sorted(self.client.items())
            }
        }


async def ab_side(
    stack: Stack, args: argparse.Namespace, exit_stack: AsyncExitStack
) -> ConsoleLoad:
    return await ConsoleLoad.prepared(stack, exit_stack)


async def main() -> dict[str, Any]:
    before = os.getloadavg()
    with local_stack(**ENV) as stack:
        async with AsyncExitStack() as exit_stack:
            load = await ConsoleLoad.prepared(stack, exit_stack)
            print(f"== {USERS} staff users for {SECONDS:g} s", file=sys.stderr, flush=True)
            await load.run_slice(SECONDS)
    return {
        "scenario": f"console pages, {USERS} staff users (10 associates, 10 admins), {SECONDS:g} s",
        "timing": "server (Server-Timing total) and client (request sent to last byte)",
        **load.report(),
        "load_average_before": before,
        "load_average_after": os.getloadavg(),
        "machine": machine(),
    }


if __name__ == "__main__":
    result = asyncio.run(main())
    print(json.dumps(result, indent=2))
    print("RESULT " + json.dumps(result))
