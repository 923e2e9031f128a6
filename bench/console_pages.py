"""The staff console under 20 concurrent staff users: the time to each main page (issue 22,
item 8). Ten associates (one store each) walk find, customer 360, pickup board and stock; ten
admins walk find, customer 360, admin products and admin locations; each user signed in through
the console's own form, with its session cookie, page after page for SECONDS.

The gateway sets no `Server-Timing` header, so the time is the client's: from sending the request
to the last byte of the page, on the same machine (loopback), so it is the server's time plus
a loopback round trip and the generator's own scheduling."""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
from typing import Any

import aiohttp
import httpx
from harness.load import Sample, run_clients
from harness.shop import seed_products
from harness.stack import ADMIN, local_stack, machine

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
CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


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


async def main() -> dict[str, Any]:
    before = os.getloadavg()
    with local_stack(**ENV) as stack:
        _, skus, stores = await seed_products(stack.grpc, 50, stock_per_location=5)
        async with httpx.AsyncClient(base_url=stack.base_url, timeout=60) as http:
            admin = await token(http, *ADMIN)
            emails = [f"shopper{n}@example.com" for n in range(CUSTOMERS)]
            profiles = []
            for n, email in enumerate(emails):
                created = await http.post(
                    "/staff/v1/customers",
                    json={"email": email, "display_name": f"Shopper {n}"},
                    headers=admin,
                )
                assert created.status_code == 201, created.text
                profiles.append(created.json()["profile"]["id"])
            users = []
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
        sessions = [
            await console_session(stack.base_url, f"staff{n}", PASSWORD) for n in range(USERS)
        ]

        def pages(role: str, store: str) -> dict[str, str]:
            shared = {
                "find": f"/console/customers?q={random.choice(emails)}",
                "customer 360": f"/console/customers/{random.choice(profiles)}",
            }
            if role == "admin":
                return shared | {
                    "admin products": "/console/admin/products",
                    "admin locations": "/console/admin/locations",
                }
            return shared | {
                "pickups board": f"/console/stores/{store}/pickups",
                "stock": f"/console/stock?sku={random.choice(skus)}",
            }

        samples: dict[str, Sample] = {}
        turns = [0] * USERS

        async def visit(worker: int) -> str:
            chosen = pages(*users[worker])
            name = list(chosen)[turns[worker] % len(chosen)]
            turns[worker] += 1
            loop = asyncio.get_running_loop()
            started = loop.time()
            async with sessions[worker].get(chosen[name], allow_redirects=False) as reply:
                await reply.read()
                status = reply.status
            samples.setdefault(name, Sample()).record(loop.time() - started, str(status))
            return str(status)

        try:
            total = await run_clients(USERS, visit, seconds=SECONDS)
        finally:
            for session in sessions:
                await session.close()
    after = os.getloadavg()
    refused = {name: s.outcomes for name, s in samples.items() if set(s.outcomes) != {"200"}}
    assert not refused, f"pages that did not answer 200: {refused}"
    for sample in samples.values():
        sample.elapsed = total.elapsed
    return {
        "scenario": f"console pages, {USERS} staff users (10 associates, 10 admins), {SECONDS:g} s",
        "timing": "client-side (the gateway sets no Server-Timing header)",
        "pages": {name: sample.summary() for name, sample in sorted(samples.items())},
        "load_average_before": before,
        "load_average_after": after,
        "machine": machine(),
    }


if __name__ == "__main__":
    result = asyncio.run(main())
    print(json.dumps(result, indent=2))
    print("RESULT " + json.dumps(result))
