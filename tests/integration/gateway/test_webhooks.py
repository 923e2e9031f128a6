"""Partner webhooks end to end: a NATS event becomes a signed POST to a real local receiver,
retried with backoff, recorded attempt by attempt, replayable, and only for its own partner."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from omni.common.v1 import common_pb2
from omni.order.v1 import events_pb2, order_pb2
from omni_gateway.webhooks.signing import verify
from omni_kit.events import EventBus
from omni_kit.facts import make_event


class Receiver:
    """A real HTTP server on loopback; answers each path with the queued status codes."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        self.plan: dict[str, list[int]] = {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((self.path, dict(self.headers), body))
                queued = receiver.plan.get(self.path) or [200]
                self.send_response(queued.pop(0) if len(queued) > 1 else queued[0])
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def to(self, path: str) -> list[tuple[str, dict[str, str], bytes]]:
        return [r for r in self.requests if r[0] == path]


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.server.shutdown()


async def eventually(check, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        await asyncio.sleep(0.1)
    raise AssertionError("condition not met in time")


async def test_order_event_reaches_only_its_partner_signed_retried_and_replayable(
    start_gateway, stack, receiver
):
    fast = start_gateway(
        **{f"{n}_addr": f"127.0.0.1:{a.port}" for n, a in stack.apps.items()},
        webhook_first_retry_seconds="0.2",
    )
    stack.http.base_url = fast
    p1, key1 = await stack.partner("market-one", ["webhooks:manage"])
    _, key2 = await stack.partner("market-two", ["webhooks:manage"])
    hooks = {}
    for path, key in (("/one", key1), ("/two", key2)):
        reply = await stack.http.post(
            "/partner/v1/webhooks",
            json={"url": receiver.url + path, "event_types": ["omni.order.order.confirmed"]},
            headers=key,
        )
        assert reply.status_code == 201, reply.text
        hooks[path] = reply.json()
    receiver.plan["/one"] = [500, 200]

    event = make_event(
        events_pb2.OrderConfirmed,
        "omni.order.order.confirmed",
        source="order",
        aggregate_type="order",
        aggregate_id="ord_1",
        channel=common_pb2.ChannelRef(channel=common_pb2.SALES_CHANNEL_MARKETPLACE, partner_id=p1),
        order=order_pb2.Order(
            id="ord_1",
            number="1001",
            partner_order_id="MP-77",
            status=order_pb2.ORDER_STATUS_CONFIRMED,
            reservation_id="res_1",
            saga=order_pb2.SagaState(step=order_pb2.SAGA_STEP_DONE),
            totals=order_pb2.OrderTotals(
                total=common_pb2.Money(amount_minor=2500, currency_code="EUR")
            ),
        ),
    )
    bus = EventBus(stack.nats_url, service_name="test")
    await bus.connect()
    try:
        await bus.publish(event.subject, event.message, event_id=event.id)
        await eventually(lambda: len(receiver.to("/one")) >= 2)
        assert await bus.publish(event.subject, event.message, event_id=event.id)  # duplicate
    finally:
        await bus.close()

    _, headers, body = receiver.to("/one")[-1]
    assert verify(hooks["/one"]["secret"], headers["Omni-Signature"], body, int(time.time()))
    assert not verify("wrong-secret", headers["Omni-Signature"], body, int(time.time()))
    payload = json.loads(body)
    assert payload["id"] == event.id
    assert payload["type"] == "omni.order.order.confirmed"
    assert payload["occurred_at"].endswith("Z")
    order = payload["data"]["order"]
    assert order["partner_order_id"] == "MP-77"
    # The partner's view of the order: public enums and money, no saga or stock hold.
    assert order["status"] == "confirmed"
    assert order["totals"]["total"] == {"amount_minor": 2500, "currency": "EUR"}
    assert "saga" not in order and "reservation_id" not in order
    assert "currency_code" not in body.decode()
    assert headers["Omni-Event-Id"] == event.id

    deliveries = (await stack.http.get("/partner/v1/webhook-deliveries", headers=key1)).json()
    assert len(deliveries) == 1
    delivery = deliveries[0]
    assert delivery["status"] == "delivered"
    assert [a["status_code"] for a in delivery["tries"]] == [500, 200]

    replayed = await stack.http.post(
        f"/partner/v1/webhook-deliveries/{delivery['id']}/replay", headers=key1
    )
    assert replayed.status_code == 202
    await eventually(lambda: len(receiver.to("/one")) == 3)
    assert (
        await stack.http.post(
            f"/partner/v1/webhook-deliveries/{delivery['id']}/replay", headers=key2
        )
    ).status_code == 404

    await asyncio.sleep(1.0)
    assert receiver.to("/two") == []  # another partner's order is none of its business
    assert (await stack.http.get("/partner/v1/webhook-deliveries", headers=key2)).json() == []


async def test_webhook_urls_must_be_public_https_in_production(start_gateway, stack):
    strict = start_gateway(webhook_allow_http="false", webhook_allow_private_networks="false")
    stack.http.base_url = strict
    _, key = await stack.partner("market-three", ["webhooks:manage"])
    for url in (
        "http://hooks.example.com/x",
        "https://127.0.0.1/x",
        "https://10.0.0.8/x",
        "ftp://x",
    ):
        reply = await stack.http.post(
            "/partner/v1/webhooks",
            json={"url": url, "event_types": ["omni.order.order.confirmed"]},
            headers=key,
        )
        assert reply.status_code == 422, url
        assert reply.json()["errors"][0]["field"] == "url"
    unknown = await stack.http.post(
        "/partner/v1/webhooks",
        json={
            "url": "https://hooks.example.com/x",
            "event_types": ["omni.customer.profile.created"],
        },
        headers=key,
    )
    assert unknown.status_code == 422
