"""A flash sale of a voucher through the gateway: 1,000 shoppers with the code in their carts
check out at once and the voucher allows 100 uses. Exactly 100 orders carry it (each with its
discount), the other 900 are refused with a 409 problem naming the voucher, and no order was
placed without the discount its cart asked for. (Slow suite: the set-up alone is 4,000 calls.)"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable

import httpx
import pytest
from voucher_builders import apply_code, create_voucher, set_up_shop

SHOPPERS = 1000
USES = 100
SETUP_AT_ONCE = 10
# A 503 asks the client to retry shortly; a client retries under the same Idempotency-Key (set-up
# calls too), so each shopper ends with one answer: an order (201) or a refusal (409).
RETRIES = 20
RETRIED: Counter[str] = Counter()


async def patiently(call: Callable[[], Awaitable[httpx.Response]], what: str) -> httpx.Response:
    for _ in range(RETRIES):
        try:
            reply = await call()
        except httpx.TransportError:
            RETRIED[what] += 1
            continue
        if reply.status_code != 503:
            return reply
        RETRIED[what] += 1
        await asyncio.sleep(1)
    raise AssertionError(f"{what}: still 503 after {RETRIES} attempts")


@pytest.fixture
def gateway_settings() -> dict[str, str]:
    # One address, a thousand visitors: the rate limits are not what this module tests, and a
    # checkout may wait behind the others longer than a usual call.
    return {
        "rate_limit_per_minute": "1000000",
        "auth_rate_limit_per_minute": "1000000",
        "downstream_timeout_seconds": "300",
    }


@pytest.fixture
def service_settings() -> dict[str, dict]:
    # On a machine this busy a call may wait its turn at the store and at the other services for
    # minutes: each waits as long as the gateway waits for it.
    patient = {"store_budget_seconds": 300}
    return {
        "order": patient | {"downstream_timeout_seconds": 300},
        "inventory": patient,
        "catalog": patient,
        "customer": patient,
    }


@pytest.mark.timeout(1800)  # 4,000 set-up calls and 1,000 checkouts on a shared machine
async def test_1000_checkouts_for_a_voucher_of_100_uses_give_100_orders_and_900_refusals(stack):
    # A client that waits as long as a busy machine needs and opens a connection per shopper.
    limits = httpx.Limits(max_connections=SHOPPERS, max_keepalive_connections=SHOPPERS)
    await stack.http.aclose()
    stack.http = httpx.AsyncClient(base_url=stack.base, timeout=600, limits=limits)
    admin = await stack.admin()
    ids = await set_up_shop(stack, admin, units=SHOPPERS + 10)
    voucher = await create_voucher(
        stack, admin, code="FLASH", percentage_basis_points=1000, usage_limit=USES
    )
    gate = asyncio.Semaphore(SETUP_AT_ONCE)

    async def shopper(number: int) -> tuple[dict[str, str], dict]:
        async with gate:
            session = await patiently(lambda: stack.http.post("/api/v1/auth/anonymous"), "set-up")
            assert session.status_code == 201, session.text
            headers = {
                "Authorization": f"Bearer {session.json()['access_token']}",
                "X-Omni-Channel": "web",
            }
            cart = (
                await patiently(
                    lambda: stack.http.get("/api/v1/carts/current", headers=headers), "set-up"
                )
            ).json()
            added = await patiently(
                lambda: stack.http.post(
                    f"/api/v1/carts/{cart['id']}/lines",
                    json={"sku": "TEE", "quantity": 1},
                    headers=headers | {"Idempotency-Key": f"add-{number}"},
                ),
                "set-up",
            )
            assert added.status_code == 201, added.text
            applied = await patiently(
                lambda: apply_code(
                    stack, headers | {"Idempotency-Key": f"code-{number}"}, cart, "FLASH"
                ),
                "set-up",
            )
            assert applied.status_code == 200, applied.text
            assert applied.json()["discount_total"]["amount_minor"] == 200
            return headers, applied.json()

    started = time.monotonic()
    shoppers = await asyncio.gather(*(shopper(n) for n in range(SHOPPERS)))
    set_up = time.monotonic() - started
    print(f"set-up of {SHOPPERS} carts with the code: {set_up:.1f} s", flush=True)

    async def check_out(number: int, headers: dict[str, str], cart: dict) -> httpx.Response:
        return await patiently(
            lambda: stack.http.post(
                "/api/v1/orders",
                json={
                    "cart_id": cart["id"],
                    "delivery": {"mode": "click_and_collect", "pickup_location_id": ids["store"]},
                    "payment_method": "pay_in_store",
                },
                headers=headers | {"Idempotency-Key": f"flash-{number}"},
            ),
            "checkout",
        )

    started = time.monotonic()
    replies = await asyncio.gather(
        *(check_out(n, headers, cart) for n, (headers, cart) in enumerate(shoppers))
    )
    rush = time.monotonic() - started
    print(f"{SHOPPERS} checkouts at once: {rush:.1f} s; retried: {dict(RETRIED)}", flush=True)

    statuses = Counter(reply.status_code for reply in replies)
    assert statuses == {201: USES, 409: SHOPPERS - USES}, statuses
    for reply in replies:
        if reply.status_code == 201:
            order = reply.json()
            assert order["voucher_codes"] == ["FLASH"]
            assert order["totals"]["discount"]["amount_minor"] == 200
            assert order["lines"][0]["discount"]["amount_minor"] == 200
        else:
            assert reply.headers["content-type"].startswith("application/problem+json")
            problem = reply.json()
            assert problem["code"] == "VOUCHER_USED_UP", problem
            assert problem["metadata"]["voucher_code"] == "FLASH"
            assert "FLASH" in problem["detail"]

    # Every order the service holds carries the voucher: none slipped through without it.
    orders: list[dict] = []
    token = ""
    while True:
        page = await stack.http.get(
            f"/staff/v1/orders?page_size=200{'&page_token=' + token if token else ''}",
            headers=admin,
        )
        assert page.status_code == 200, page.text
        orders.extend(page.json()["orders"])
        token = page.json().get("next_page_token") or ""
        if not token:
            break
    assert len(orders) == USES
    assert all(order["voucher_codes"] == ["FLASH"] for order in orders)
    counted = await stack.http.get(f"/staff/v1/promotions/vouchers/{voucher['id']}", headers=admin)
    assert counted.json()["redeemed"] == USES
