"""The saga's retry bound with the real inventory, store and NATS: a payment provider that stays
unreachable ends the order FAILED with everything it took given back, announced and counted;
after a restart the resumer keeps the same count and waits for the stored next attempt."""

from __future__ import annotations

import asyncio

from order_shop import holding, ledger, next_event
from prometheus_client import REGISTRY

from omni.order.v1 import events_pb2, order_pb2
from omni_kit.ids import utcnow
from omni_kit.protos import from_timestamp

P = order_pb2
QUICK = {
    "saga_max_attempts": 3,
    "saga_retry_first_seconds": 0.2,
    "saga_retry_max_delay_seconds": 0.4,
    "saga_resume_interval_seconds": 0.1,
}


def sagas_failed(step: str) -> float:
    return REGISTRY.get_sample_value("omni_order_sagas_failed_total", {"step": step}) or 0.0


async def held_cart(shop) -> tuple[str, str]:
    await shop.product("TEE-M", 1500)
    warehouse = await shop.location("WH-1")
    await shop.receive(warehouse, "TEE-M", 5)
    cart = await shop.add((await shop.cart()).id, "TEE-M", 2)
    level = await shop.level("TEE-M", warehouse)
    assert (level.reserved, level.available) == (2, 3)  # the cart's holds
    return cart.id, warehouse


async def test_an_unreachable_provider_past_the_bound_fails_the_order_and_gives_everything_back(
    shop, nc, mongo, db_name
):
    cart_id, warehouse = await held_cart(shop)
    await shop.order_app.stop(grace=0)
    _, shop.order = await shop.start_order(**QUICK)
    before = sagas_failed("authorize_payment")

    placed = await shop.place(cart_id, token="tok_unavailable")
    assert placed.status == P.ORDER_STATUS_PENDING
    assert placed.saga.attempts == 1
    assert from_timestamp(placed.saga.next_attempt_at) > from_timestamp(placed.saga.updated_at)
    done = await shop.eventually(placed.id, P.ORDER_STATUS_FAILED)

    assert done.status == P.ORDER_STATUS_FAILED
    assert done.saga.status == P.SAGA_STATUS_COMPENSATED
    assert (done.saga.failed_step, done.saga.attempts) == (P.SAGA_STEP_AUTHORIZE_PAYMENT, 3)
    assert "authorizing its payment failed 3 times" in done.status_reason
    assert "payment provider is not reachable" in done.status_reason
    level = await shop.level("TEE-M", warehouse)
    assert (level.on_hand, level.reserved, level.available) == (5, 0, 5)
    assert await holding(shop, "TEE-M") == []  # cart holds and the order's reservation
    seen = await ledger(mongo, db_name, placed.payments[0].id)
    assert "authorize" not in seen
    assert (seen["void"]["repeats"], seen["void"]["had_authorization"]) == (0, False)
    event = await next_event(nc, "omni.order.order.failed", events_pb2.OrderFailed, placed.id)
    assert (event.reason, event.step, event.attempts) == (
        done.status_reason,
        P.SAGA_STEP_AUTHORIZE_PAYMENT,
        3,
    )
    assert event.order.status == P.ORDER_STATUS_FAILED
    assert sagas_failed("authorize_payment") == before + 1
    # a failed order is over: cancelling it changes nothing, and it is not a sale
    again = await shop.order.CancelOrder(P.CancelOrderRequest(order_id=placed.id))
    assert again.order.status == P.ORDER_STATUS_FAILED


async def test_after_a_restart_the_resumer_waits_for_the_next_attempt_and_keeps_the_count(
    shop, mongo, db_name
):
    cart_id, warehouse = await held_cart(shop)
    await shop.order_app.stop(grace=0)
    # A long first backoff, then the process goes away while the saga waits for it.
    slow = {"saga_retry_first_seconds": 6, "saga_retry_max_delay_seconds": 6}
    first_app, shop.order = await shop.start_order(**QUICK | slow)
    placed = await shop.place(cart_id, token="tok_unavailable")
    assert placed.saga.attempts == 1
    next_attempt = from_timestamp(placed.saga.next_attempt_at)
    assert (next_attempt - utcnow()).total_seconds() > 2
    await first_app.stop(grace=0)

    _, shop.order = await shop.start_order(**QUICK | {"saga_stale_seconds": 0.5})
    while (await shop.get(placed.id)).saga.attempts == 1 and utcnow() < next_attempt:
        await asyncio.sleep(0.1)
    waited = utcnow()
    # nobody tried again before the stored time, although the saga was not moving
    assert waited >= next_attempt
    done = await shop.eventually(placed.id, P.ORDER_STATUS_FAILED)
    assert done.status == P.ORDER_STATUS_FAILED
    assert done.saga.attempts == 3  # the count went on from the first instance's attempt
    assert from_timestamp(done.saga.first_failed_at) == from_timestamp(placed.saga.first_failed_at)
    level = await shop.level("TEE-M", warehouse)
    assert (level.reserved, level.available) == (0, 5)
    seen = await ledger(mongo, db_name, placed.payments[0].id)
    assert seen["void"]["repeats"] == 0
