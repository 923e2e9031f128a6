"""Crash anywhere, lose nothing: a service is SIGKILLed at a named step of the checkout while
customers check out concurrently with retrying clients; it is restarted, everything settles,
and then: one order per key and per cart, each payment authorized once and held only by a
confirmed order, every stored event published and each fact once, one timeline entry per order
event, no hold left behind and the stock ledger exact."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter

import pytest
from stack import KILLED, Checkout, Stack, check_settled

CHECKOUTS = 6

# (service, step, the time it is reached that kills): early enough that the kill lands while
# other checkouts are in flight. Each checkout adds its line (a cart hold) before it places its
# order, so ReserveStock's first hits are cart holds and its last ones the orders' reservations.
CRASHES = [
    ("order", "order.after_order_insert", 3),
    ("order", "order.after_reservation", 3),
    ("order", "order.after_payment_authorization", 3),
    ("order", "outbox.before_publish", 3),
    ("order", "outbox.after_publish", 3),
    ("inventory", "inventory.after_reservation", 2),  # a cart hold
    ("inventory", "inventory.after_reservation", 10),  # an order's reservation
    ("inventory", "outbox.before_publish", 6),
    ("customer", "customer.after_timeline_entry", 4),
    ("customer", "outbox.before_publish", 8),
]


@pytest.mark.timeout(240)
@pytest.mark.parametrize(
    ("service", "step", "after"), CRASHES, ids=[f"{s}:{step}#{n}" for s, step, n in CRASHES]
)
async def test_a_crash_loses_nothing(fault_stack_args, service: str, step: str, after: int):
    started = time.monotonic()
    stack = Stack(**fault_stack_args, fault=(service, step, after))
    async with stack.running():
        await stack.open_shop()
        checkouts = [Checkout(number) for number in range(CHECKOUTS)]
        ready = time.monotonic()
        await asyncio.gather(*(stack.checkout(c) for c in checkouts))
        checked_out = time.monotonic()
        unsettled = await stack.settle(CHECKOUTS)
        settled = time.monotonic()

        assert stack.deaths == [(service, KILLED)], (
            f"expected {service} killed once at {step}, saw {stack.deaths}"
        )
        assert not unsettled, f"not settled: {unsettled}"
        orders, checked = await check_settled(stack, checkouts)
    figures = {
        "crash": f"{service}:{step}#{after}",
        "keys": len(checkouts),
        "orders": len(orders),
        "orders_per_key": max(len({order.id for order in c.answers}) for c in checkouts),
        "orders_per_cart": max(Counter(order.cart_id for order in orders).values()),
        **checked,
        "retries": dict(stack.client.retries),
        "seconds": {
            "start": round(ready - started, 1),
            "checkouts": round(checked_out - ready, 1),
            "settle": round(settled - checked_out, 1),
            "total": round(time.monotonic() - started, 1),
        },
        "slow_calls": stack.client.slow,
    }
    print("crash figures:", json.dumps(figures))
