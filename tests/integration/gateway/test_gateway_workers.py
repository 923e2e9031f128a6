"""The gateway as two worker processes on one port (OMNI_GATEWAY_WORKERS=2): a catalog change
reaches the browse cache of both, a client's rate limit is one budget across them, and webhook
deliveries go out once however many processes take events in and dispatch. Every answer names
its process (X-Omni-Process, a tests-only setting); each request opens a new connection, so the
kernel hands it to either process."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import httpx
import pytest
from test_catalog import list_on, new_product
from test_webhooks import receiver  # noqa: F401 - the fixture: a real HTTP receiver

from omni.common.v1 import common_pb2
from omni.order.v1 import events_pb2, order_pb2
from omni_kit.events import EventBus
from omni_kit.facts import make_event

# Each worker imports the whole app in a fresh interpreter: on a shared machine the stack with a
# two-process gateway takes minutes to start.
pytestmark = pytest.mark.timeout(600)
CACHE_SECONDS = 60
# A change shows on the next request but one in each process (the first gets the old answer
# while the new one loads); allow the event's way through NATS on a busy machine.
CHANGE_VISIBLE_WITHIN = 5.0


@pytest.fixture
def gateway_settings() -> dict[str, str]:
    return {
        "workers": "2",
        "process_header": "true",
        "browse_cache_seconds": str(CACHE_SECONDS),
        "browse_cache_stale_seconds": "600",
        "rate_limit_per_minute": "200",
    }


def fresh_connections(base: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base, timeout=15, limits=httpx.Limits(max_keepalive_connections=0)
    )


async def from_each_process(
    http: httpx.AsyncClient, ask: Callable[[httpx.AsyncClient], Awaitable[httpx.Response]]
) -> dict[str, httpx.Response]:
    """The latest answer of each of the two processes to `ask`."""
    seen: dict[str, httpx.Response] = {}
    for _ in range(200):
        reply = await ask(http)
        seen[reply.headers["X-Omni-Process"]] = reply
        if len(seen) == 2:
            return seen
    raise AssertionError(f"only processes {sorted(seen)} answered 200 requests")


async def until_connected_to_events(http: httpx.AsyncClient) -> None:
    ready: set[str] = set()
    deadline = time.monotonic() + 60
    while len(ready) < 2:
        assert time.monotonic() < deadline, f"only {ready} reached NATS"
        reply = await http.get("/readyz")
        if reply.json().get("events") == "connected":
            ready.add(reply.headers["X-Omni-Process"])
        await asyncio.sleep(0.05)


async def test_a_catalog_change_reaches_the_cache_of_every_process(stack):
    admin = await stack.admin()
    created = await stack.http.post(
        "/staff/v1/catalog/products",
        json=new_product("two-process-boot", "TPB-42", "Two Process Boot"),
        headers=admin,
    )
    assert created.status_code == 201, created.text
    product = created.json()["id"]
    await list_on(stack, admin, product, "web", 5000)
    async with fresh_connections(stack.base) as http:
        await until_connected_to_events(http)

        async def page(client: httpx.AsyncClient) -> httpx.Response:
            reply = await client.get(f"/api/v1/catalog/products/{product}")
            assert reply.status_code == 200, reply.text
            return reply

        def price(reply: httpx.Response) -> int:
            return int(reply.json()["listing"]["effective_price"]["amount_minor"])

        # Both processes hold the page now, each in its own cache, for CACHE_SECONDS.
        first = await from_each_process(http, page)
        assert [price(reply) for reply in first.values()] == [5000, 5000]

        await list_on(stack, admin | {"If-Match": '"1"'}, product, "web", 4500)
        changed = time.monotonic()
        shown: dict[str, int] = {}
        while set(shown.values()) != {4500} or len(shown) < 2:
            assert time.monotonic() - changed < CHANGE_VISIBLE_WITHIN, shown
            reply = await page(http)
            shown[reply.headers["X-Omni-Process"]] = price(reply)
        assert set(shown) == set(first)  # the same two processes, not new ones


async def test_one_client_has_one_budget_across_both_processes(stack):
    limit = 200
    async with fresh_connections(stack.base) as http:
        left = 60 - time.time() % 60
        if left < 30:  # budgets are per minute of the clock: run inside one
            await asyncio.sleep(left + 0.2)
        replies = [await http.get("/api/v1/me") for _ in range(limit + 40)]
    by_process: dict[str, list[int]] = {}
    for reply in replies:
        by_process.setdefault(reply.headers["X-Omni-Process"], []).append(reply.status_code)
    assert len(by_process) == 2, "one process answered everything"
    admitted = sum(status != 429 for status in (r.status_code for r in replies))
    # Never more than the limit; fewer by at most the share the other process held unspent.
    assert limit - 3 <= admitted <= limit, (admitted, {k: len(v) for k, v in by_process.items()})
    # A process refuses once the shared count is spent; the units the other still held are
    # spent within its next few requests, and then both refuse.
    assert {reply.status_code for reply in replies[-20:]} == {429}


async def test_webhooks_are_delivered_once_by_two_processes(stack, receiver):  # noqa: F811
    partner, key = await stack.partner("market-workers", ["webhooks:manage"])
    hook = await stack.http.post(
        "/partner/v1/webhooks",
        json={"url": receiver.url + "/hook", "event_types": ["omni.order.order.confirmed"]},
        headers=key,
    )
    assert hook.status_code == 201, hook.text
    ids = []
    bus = EventBus(stack.nats_url, service_name="test")
    await bus.connect()
    try:
        for n in range(20):
            event = make_event(
                events_pb2.OrderConfirmed,
                "omni.order.order.confirmed",
                source="order",
                aggregate_type="order",
                aggregate_id=f"ord_w{n}",
                channel=common_pb2.ChannelRef(
                    channel=common_pb2.SALES_CHANNEL_MARKETPLACE, partner_id=partner
                ),
                order=order_pb2.Order(
                    id=f"ord_w{n}", number=f"{2000 + n}", status=order_pb2.ORDER_STATUS_CONFIRMED
                ),
            )
            await bus.publish(event.subject, event.message, event_id=event.id)
            ids.append(event.id)
    finally:
        await bus.close()
    deadline = time.monotonic() + 30
    while len(receiver.to("/hook")) < len(ids):
        assert time.monotonic() < deadline, f"{len(receiver.to('/hook'))} of {len(ids)} arrived"
        await asyncio.sleep(0.1)
    await asyncio.sleep(2)  # a second delivery of any of them would come meanwhile
    delivered = [headers["Omni-Event-Id"] for _, headers, _ in receiver.to("/hook")]
    assert sorted(delivered) == sorted(ids)
