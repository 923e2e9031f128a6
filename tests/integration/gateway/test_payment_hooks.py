"""A shop client pays by Stripe, LiqPay or CashBill through the gateway: checkout answers 202
with the order pending and payments[0].next_action, the customer follows it to the provider (a
fake over HTTP), the provider calls back at /hooks/payments/{provider} (no auth header, raw body
to the order service, answered as the provider expects), and polling shows the order confirmed.
A forged callback is a 401 problem document and changes nothing; the callback's span is in the
checkout's trace."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from fakes.fake_http import FakeProvider
from fakes.payment_fakes import follow, new_fake, provider_settings
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from test_orders import cart_with_tee, home_delivery, seed

from omni_kit.localstack import free_port
from omni_kit.telemetry import add_span_exporter

CARDS = {"stripe": "pm_card_threeDSecureRequired", "liqpay": "", "cashbill": ""}
ANSWERS = {"stripe": b'{"received": true}', "liqpay": b"", "cashbill": b"OK"}


@pytest.fixture(params=["stripe", "liqpay", "cashbill"])
def provider(request) -> str:
    return str(request.param)


@pytest.fixture
def gateway_port() -> int:
    return free_port()


@pytest.fixture
def fake(provider: str):
    fake = new_fake(provider).start()
    yield fake
    fake.stop()


@pytest.fixture
def gateway_settings(gateway_port: int) -> dict[str, str]:
    return {"http_port": str(gateway_port)}


@pytest.fixture
def service_settings(provider: str, fake: FakeProvider, gateway_port: int) -> dict[str, dict]:
    return {"order": payment_settings(provider, fake, gateway_port)}


def payment_settings(provider: str, fake: FakeProvider, gateway_port: int) -> dict[str, object]:
    """The order service's settings for paying through `fake`, called back via the gateway."""
    gateway = f"http://127.0.0.1:{gateway_port}"
    order = {
        "payment_provider": provider,
        "payment_notify_base_url": gateway,
        "payment_return_url": f"{gateway}/api/v1/orders/{{order_id}}",
        "payment_http_timeout_seconds": 2.0,
        "payment_status_poll_seconds": 120.0,  # only the callback can confirm within the test
        "outbound_allow_http": True,
        "outbound_allow_private_networks": True,
    }
    return order | provider_settings(provider, fake, gateway)


async def poll(stack, headers, order_id: str, status: str, timeout: float = 20) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        order = (await stack.http.get(f"/api/v1/orders/{order_id}", headers=headers)).json()
        if order["status"] == status or time.monotonic() > deadline:
            return dict(order)
        await asyncio.sleep(0.2)


@pytest.mark.timeout(240)
async def test_the_shop_client_follows_the_payment_and_sees_the_order_confirmed(
    stack, provider, fake
):
    exporter = InMemorySpanExporter()
    add_span_exporter(exporter)
    await seed(stack)
    customer, _ = await stack.customer(f"{provider}@example.com")
    cart = await cart_with_tee(stack, customer, quantity=2)
    placed = await stack.http.post(
        "/api/v1/orders",
        json={
            "cart_id": cart["id"],
            **home_delivery(cart["id"]),
            "payment_token": CARDS[provider],
        },
        headers=customer | {"Idempotency-Key": f"pay-{provider}"},
    )
    assert placed.status_code == 202, placed.text
    order = placed.json()
    assert placed.headers["location"] == f"/api/v1/orders/{order['id']}"
    assert order["status"] == "pending"
    action = order["payments"][0]["next_action"]
    assert action["kind"] == "redirect" and action["url"].startswith(fake.base)

    back = await follow(fake.base, action["url"], action["http_method"], action["form_fields"])
    assert back.startswith(f"{stack.base}/api/v1/orders/{order['id']}")
    confirmed = await poll(stack, customer, order["id"], "confirmed")
    assert confirmed["status"] == "confirmed", confirmed
    assert "next_action" not in confirmed["payments"][0]
    await fake.settle()
    statuses = [(d.status, d.body) for d in fake.delivered]
    assert statuses and statuses[-1] == (200, ANSWERS[provider])
    # The callback, a request of its own, is traced into the checkout's trace (and links to
    # the callback request's).
    [handled, *_] = [
        span
        for span in exporter.get_finished_spans()
        if span.name == f"payment callback {provider}"
    ]
    assert format(handled.context.trace_id, "032x") == placed.headers["x-trace-id"]
    assert handled.attributes["omni.order_id"] == order["id"]
    assert handled.links and handled.links[0].context.trace_id != handled.context.trace_id


async def test_a_forged_callback_is_refused_by_the_gateway_and_callbacks_are_rate_limited(
    stack, provider, start_gateway
):
    bodies = {
        "stripe": {
            "content": b'{"type": "payment_intent.succeeded"}',
            "headers": {"Stripe-Signature": "t=1,v1=00"},
        },
        "liqpay": {
            "content": b"data=e30%3D&signature=forged",
            "headers": {"Content-Type": "application/x-www-form-urlencoded"},
        },
        "cashbill": {"params": {"cmd": "transactionStatusChanged", "args": "TEST_1", "sign": "0"}},
    }
    ask = bodies[provider]
    if "params" in ask:
        reply = await stack.http.get(f"/hooks/payments/{provider}", params=ask["params"])
    else:
        reply = await stack.http.post(f"/hooks/payments/{provider}", **ask)
    assert reply.status_code == 401, reply.text
    assert reply.headers["content-type"].startswith("application/problem+json")
    unknown = await stack.http.post("/hooks/payments/paypal", content=b"{}")
    assert unknown.status_code == 404, unknown.text

    limited = start_gateway(
        rate_limit_per_minute="2",
        **{f"{n}_addr": f"127.0.0.1:{a.port}" for n, a in stack.apps.items()},
    )
    async with httpx.AsyncClient(base_url=limited, timeout=15) as client:
        answers = [
            (await client.post(f"/hooks/payments/{provider}", content=b"x")).status_code
            for _ in range(3)
        ]
    assert answers[-1] == 429, answers
