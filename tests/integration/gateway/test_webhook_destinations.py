"""Webhook destinations through the real gateway: internal addresses refused in every notation
when a partner registers them and again at every delivery (also for webhooks stored before the
check, and for names whose DNS answer turns private), allowed loopback receivers reached in
test mode, and a delivery log that says only what a partner may know."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from omni_gateway.settings import GatewaySettings
from omni_gateway.webhooks.store import WebhookStore
from omni_gateway.webhooks.worker import Dispatcher
from omni_kit.ids import new_id
from omni_kit.outbound import NOT_ALLOWED, OutboundClient, OutboundPolicy

ADMIN_PASSWORD = "destinations-admin-pw"
EVENT = "omni.catalog.product.created"
# Hosts a resolver reads as loopback, private, link-local, CGNAT or cloud metadata.
INTERNAL_HOSTS = [
    "127.1",
    "2130706433",
    "0x7f000001",
    "017700000001",
    "[::ffff:127.0.0.1]",
    "[::1]",
    "10.0.0.8",
    "100.64.0.1",
    "169.254.169.254",
    "[fd00:ec2::254]",
    "localhost",
    "kubernetes.default.svc",
    "metadata.google.internal",
]


async def partner(http: httpx.AsyncClient) -> tuple[str, dict[str, str]]:
    token = await http.post(
        "/staff/v1/auth/token", json={"username": "admin", "password": ADMIN_PASSWORD}
    )
    admin = {"Authorization": f"Bearer {token.json()['access_token']}"}
    created = await http.post("/staff/v1/partners", json={"name": new_id("p")}, headers=admin)
    partner_id = created.json()["id"]
    key = await http.post(
        f"/staff/v1/partners/{partner_id}/api-keys",
        json={"scopes": ["webhooks:manage"]},
        headers=admin,
    )
    return partner_id, {"X-Api-Key": key.json()["api_key"]}


async def first_attempts(
    http: httpx.AsyncClient, key: dict[str, str], count: int, timeout: float = 30
) -> dict[str, dict[str, Any]]:
    """The first attempt of each delivery, by webhook id, once `count` deliveries have one."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        deliveries = (await http.get("/partner/v1/webhook-deliveries", headers=key)).json()
        tried = {d["webhook_id"]: d["tries"][0] for d in deliveries if d["tries"]}
        if len(tried) >= count:
            return tried
        await asyncio.sleep(0.2)
    raise AssertionError(f"fewer than {count} deliveries attempted")


async def test_internal_destinations_are_refused_at_registration(start_gateway):
    base = start_gateway(
        admin_password=ADMIN_PASSWORD,
        webhook_allow_http="false",
        webhook_allow_private_networks="false",
    )
    async with httpx.AsyncClient(base_url=base, timeout=15) as http:
        _, key = await partner(http)
        for host in INTERNAL_HOSTS:
            reply = await http.post(
                "/partner/v1/webhooks",
                json={"url": f"https://{host}/hook", "event_types": [EVENT]},
                headers=key,
            )
            assert reply.status_code == 422, (host, reply.text)
            [error] = reply.json()["errors"]
            assert error["field"] == "url"
            assert error["message"].startswith(NOT_ALLOWED), (host, error)
        assert (await http.get("/partner/v1/webhooks", headers=key)).json() == []


async def test_internal_destinations_are_refused_again_at_delivery(
    start_gateway, mongo, db_name, loopback_receiver
):
    """Webhooks stored without the registration check (older ones, or written around it) are
    refused by the gateway's dispatcher itself; the receiver on loopback gets nothing."""
    base = start_gateway(
        admin_password=ADMIN_PASSWORD,
        webhook_allow_http="true",  # so only the address stands between the URL and loopback
        webhook_allow_private_networks="false",
    )
    store = WebhookStore(mongo[f"{db_name}_gateway"])
    async with httpx.AsyncClient(base_url=base, timeout=15) as http:
        partner_id, key = await partner(http)
        loopback = ["127.0.0.1", "127.1", "2130706433", "0x7f000001", "017700000001"]
        loopback += ["[::ffff:127.0.0.1]", "localhost"]
        urls = {
            (
                await store.register(
                    partner_id, f"http://{host}:{loopback_receiver.port}/{i}", [EVENT]
                )
            )["_id"]: host
            for i, host in enumerate(loopback)
        }
        assert await store.enqueue(new_id("evt"), EVENT, "", lambda _: b'{"id":"evt"}') == len(urls)
        attempts = await first_attempts(http, key, len(urls))
    for webhook_id, host in urls.items():
        attempt = attempts[webhook_id]
        assert attempt["error"] == NOT_ALLOWED, (host, attempt)
        assert attempt.get("status_code") is None
    assert loopback_receiver.paths == []


async def test_partners_see_fixed_words_and_local_receivers_work_in_test_mode(
    start_gateway, mongo, db_name, loopback_receiver
):
    base = start_gateway(admin_password=ADMIN_PASSWORD, webhook_timeout_seconds="1")
    store = WebhookStore(mongo[f"{db_name}_gateway"])
    async with httpx.AsyncClient(base_url=base, timeout=15) as http:
        _, key = await partner(http)

        async def subscribe(url: str) -> str:
            reply = await http.post(
                "/partner/v1/webhooks", json={"url": url, "event_types": [EVENT]}, headers=key
            )
            assert reply.status_code == 201, reply.text
            return str(reply.json()["id"])

        delivered = await subscribe(f"http://127.0.0.1:{loopback_receiver.port}/ok")
        await store.enqueue(new_id("evt"), EVENT, "", lambda _: b'{"id":"evt-1"}')
        attempt = (await first_attempts(http, key, 1))[delivered]
        assert attempt["status_code"] == 200 and attempt.get("error") is None
        assert loopback_receiver.paths == ["/ok"]
        await http.delete(f"/partner/v1/webhooks/{delivered}", headers=key)

        loopback_receiver.status = 503
        busy = await subscribe(f"http://127.0.0.1:{loopback_receiver.port}/busy")
        closed = await subscribe("http://127.0.0.1:1/closed")
        await store.enqueue(new_id("evt"), EVENT, "", lambda _: b'{"id":"evt-2"}')
        attempts = await first_attempts(http, key, 3)
        assert attempts[busy]["status_code"] == 503
        assert attempts[busy]["error"] == "delivery failed: HTTP 503"
        assert attempts[closed]["error"] == "delivery failed: connection refused"
        await http.delete(f"/partner/v1/webhooks/{busy}", headers=key)
        await http.delete(f"/partner/v1/webhooks/{closed}", headers=key)

        loopback_receiver.hang.set()
        slow = await subscribe(f"http://127.0.0.1:{loopback_receiver.port}/slow")
        await store.enqueue(new_id("evt"), EVENT, "", lambda _: b'{"id":"evt-3"}')
        attempt = (await first_attempts(http, key, 4))[slow]
        assert attempt["error"] == "delivery failed: timeout"


class FlippingResolver:
    """DNS that answers a public address first and a private one afterwards (rebinding)."""

    def __init__(self) -> None:
        self.answers = [["93.184.215.14"], ["127.0.0.1"]]
        self.asked = 0

    async def __call__(self, host: str, port: int) -> list[str]:
        self.asked += 1
        return self.answers[min(self.asked, len(self.answers)) - 1]


async def test_a_name_that_turns_private_after_registration_is_refused_at_delivery(mongo, db_name):
    # No gateway process: its own dispatcher would take deliveries too. The webhook is stored as
    # registration stores it (the name resolved public then); the dispatcher below is the only one.
    db = mongo[f"{db_name}_gateway"]
    store = WebhookStore(db)
    await store.register("ptn_rebind", "https://hooks.rebind.example/x", [EVENT])
    settings = GatewaySettings(
        jwt_secret="a-secret-only-for-this-test-0123456789",
        webhook_first_retry_seconds=0.1,
        webhook_max_attempts=2,
    )
    resolver = FlippingResolver()
    client = OutboundClient(OutboundPolicy(), timeout=1, resolver=resolver)
    dispatcher = asyncio.create_task(Dispatcher(store, settings, client=client).run(idle_wait=0.05))
    await store.enqueue(new_id("evt"), EVENT, "", lambda _: b'{"id":"evt"}')
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        delivery = await db["webhook_deliveries"].find_one({"partner_id": "ptn_rebind"})
        if delivery is not None and len(delivery["attempts"]) == 2:
            break
        await asyncio.sleep(0.1)
    dispatcher.cancel()
    first, second = delivery["attempts"]
    # While the name was public the attempt went out (and found nothing there); once it
    # resolved to loopback, the delivery was refused before any connection.
    assert first["error"] != NOT_ALLOWED and first["error"].startswith("delivery failed: ")
    assert second["error"] == NOT_ALLOWED
    assert resolver.asked == 2
    assert delivery["status"] == "failed"
