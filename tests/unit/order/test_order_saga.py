"""The place-order saga against in-memory ports: outcomes, compensations, resuming, and the
retry bound (backoff with jitter, giving up, compensating)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from order_fakes import (
    LINKS,
    NOW,
    Clock,
    FakeInventory,
    FakeOrders,
    FakePayments,
    pending_order,
    providers,
)
from prometheus_client import REGISTRY

from omni.order.v1 import order_pb2
from omni_kit.events.backoff import Backoff
from omni_order.domain.orders import (
    CancellationReason,
    Order,
    OrderStatus,
    PaymentMethod,
    PaymentStatus,
    SagaStatus,
    SagaStep,
)
from omni_order.ports import CheckoutInputs, Placement, StockShortage
from omni_order.saga import RetryBound, Saga, reservation_id

BOUND = RetryBound(max_attempts=3, max_seconds=60, backoff=Backoff(first=2, maximum=10))


def setup(token: str = "tok_ok", stock: int = 5, bound: RetryBound = BOUND, **order_args):
    orders, inventory, payments = FakeOrders(), FakeInventory({"TEE-M": stock}), FakePayments()
    order = pending_order(**order_args)
    orders.add(order, CheckoutInputs(payment_token=token, cart_holds=["hold_1"]))
    clock = Clock()
    saga = Saga(
        orders,
        inventory,
        providers(payments),
        payment_timeout=0.05,
        links=LINKS,
        bound=bound,
        clock=clock,
        spread=lambda: 0.5,
    )
    return saga, orders, inventory, payments, order


class StalePlans(FakeInventory):
    """Sourcing plans a store whose stock others take before the reservation is made."""

    async def select_sources(self, lines, delivery, channel) -> list[Placement] | None:
        return [Placement(p.sku, p.quantity, "loc_sold_out") for p in lines]

    async def reserve_order(self, reservation_id, lines, **kwargs) -> list[Placement]:
        if any(p.location_id == "loc_sold_out" for p in lines):
            raise StockShortage("taken meanwhile")
        return await super().reserve_order(reservation_id, lines, **kwargs)


def actions(order: Order) -> list[str]:
    return [entry.action for entry in order.history]


async def test_an_approved_card_reserves_stock_authorizes_and_confirms():
    saga, orders, inventory, _, order = setup()
    done = await saga.run(order.id)
    assert done.status == OrderStatus.CONFIRMED
    assert (done.saga.status, done.saga.step) == (SagaStatus.COMPLETED, SagaStep.DONE)
    assert done.payments[0].status == PaymentStatus.AUTHORIZED
    assert done.payments[0].provider_ref
    assert done.reservation_id == reservation_id(order.id)
    assert list(done.lines[0].source_location_ids) == ["loc_wh"]
    assert inventory.available["TEE-M"] == 3
    assert actions(done) == ["placed", "confirmed"]
    assert orders.subjects() == ["omni.order.order.confirmed"]
    assert orders.events[0].message.order.status == order_pb2.ORDER_STATUS_CONFIRMED


async def test_a_declined_card_releases_the_stock_and_records_why():
    saga, orders, inventory, _, order = setup(token="tok_decline_insufficient_funds")
    done = await saga.run(order.id)
    assert done.status == OrderStatus.PAYMENT_FAILED
    assert done.payments[0].status == PaymentStatus.DECLINED
    assert "declined" in done.status_reason
    assert done.saga.status == SagaStatus.COMPENSATED
    assert inventory.available["TEE-M"] == 5
    assert inventory.released == [reservation_id(order.id)]
    assert orders.subjects() == ["omni.order.order.payment_failed"]
    assert orders.events[0].message.reason == done.status_reason


async def test_a_provider_timeout_voids_then_releases_in_reverse_order():
    saga, _orders, inventory, payments, order = setup(token="tok_timeout")
    done = await saga.run(order.id)
    assert done.status == OrderStatus.PAYMENT_FAILED
    assert done.payments[0].status == PaymentStatus.FAILED
    assert "did not answer" in done.status_reason
    assert payments.voided == ["pay_1"]
    assert inventory.available["TEE-M"] == 5


async def test_not_enough_stock_cancels_without_touching_payment():
    saga, orders, inventory, _, order = setup(stock=1)
    done = await saga.run(order.id)
    assert done.status == OrderStatus.CANCELLED
    assert done.cancellation_reason == CancellationReason.OUT_OF_STOCK
    assert done.payments[0].status == PaymentStatus.PENDING
    assert inventory.available["TEE-M"] == 1
    assert "hold_1" in inventory.released  # the cart's holds go back too, not only at expiry
    assert orders.subjects() == ["omni.order.order.cancelled"]


@pytest.mark.parametrize(("holds", "status"), [(["hold_1"], "CONFIRMED"), ([], "CANCELLED")])
async def test_a_stale_plan_falls_back_on_the_orders_own_holds(holds, status):
    orders, inventory = FakeOrders(), StalePlans({"TEE-M": 5})
    order = pending_order(method=PaymentMethod.CASH_ON_DELIVERY)
    orders.add(order, CheckoutInputs(cart_holds=holds))
    saga = Saga(orders, inventory, providers(FakePayments()), payment_timeout=0.05, links=LINKS)
    done = await saga.run(order.id)
    assert done.status.value == f"ORDER_STATUS_{status}"


async def test_cash_on_delivery_confirms_without_the_provider():
    saga, _orders, _, _, order = setup(method=PaymentMethod.CASH_ON_DELIVERY)
    done = await saga.run(order.id)
    assert done.status == OrderStatus.CONFIRMED
    assert done.payments[0].status == PaymentStatus.PENDING


async def test_inventory_down_leaves_the_saga_pending_and_a_later_run_finishes_it():
    saga, _orders, inventory, _, order = setup()
    inventory.down = True
    waiting = await saga.run(order.id)
    assert waiting.status == OrderStatus.PENDING
    assert waiting.saga.attempts == 1
    assert "not reachable" in waiting.saga.last_error
    inventory.down = False
    done = await saga.run(order.id)
    assert done.status == OrderStatus.CONFIRMED


async def test_a_crash_after_reserving_resumes_without_a_second_reservation():
    saga, orders, inventory, _, order = setup()
    orders.crash_on_save = 1
    with pytest.raises(RuntimeError):
        await saga.run(order.id)
    stored = await orders.get(order.id)
    assert stored.saga.step == SagaStep.RESERVE_STOCK  # the crash lost the step's outcome
    done = await saga.run(order.id)  # what the resumer does after a restart
    assert done.status == OrderStatus.CONFIRMED
    assert inventory.available["TEE-M"] == 3
    assert list(inventory.reservations) == [reservation_id(order.id)]


async def test_a_finished_saga_is_not_run_again():
    saga, orders, _inventory, _, order = setup()
    await saga.run(order.id)
    again = await saga.run(order.id)
    assert again.status == OrderStatus.CONFIRMED
    assert orders.subjects() == ["omni.order.order.confirmed"]


def failed_sagas(step: str) -> float:
    return REGISTRY.get_sample_value("omni_order_sagas_failed_total", {"step": step}) or 0.0


def test_the_backoff_doubles_up_to_its_cap_with_half_of_each_delay_jittered():
    bound = RetryBound(max_attempts=10, max_seconds=3600, backoff=Backoff(first=2, maximum=10))
    assert [bound.delay(n, 1.0) for n in (1, 2, 3, 4, 5)] == [2, 4, 8, 10, 10]
    assert [bound.delay(n, 0.0) for n in (1, 2, 3, 4, 5)] == [1, 2, 4, 5, 5]
    assert bound.delay(2, 0.5) == 3
    assert not bound.exhausted(9, 3599)
    assert bound.exhausted(10, 0)
    assert bound.exhausted(1, 3600)


async def test_a_failed_step_waits_for_its_backoff_and_counts_from_the_first_failure():
    saga, orders, inventory, _, order = setup()
    inventory.down = True
    waiting = await saga.run(order.id)
    assert waiting.status == OrderStatus.PENDING
    assert waiting.saga.status == SagaStatus.RUNNING
    assert waiting.saga.attempts == 1
    assert waiting.saga.first_failed_at == NOW
    # first retry: 2 s of backoff, half of it fixed, half jittered (0.5 here)
    assert waiting.saga.next_attempt_at == NOW + timedelta(seconds=1.5)
    saga.clock.advance(1.5)
    again = await saga.run(order.id)
    assert again.saga.attempts == 2
    assert again.saga.first_failed_at == NOW
    assert again.saga.next_attempt_at == NOW + timedelta(seconds=1.5 + 3)
    inventory.down = False
    done = await saga.run(order.id)
    assert done.status == OrderStatus.CONFIRMED
    assert done.saga.next_attempt_at is None
    assert orders.subjects() == ["omni.order.order.confirmed"]


async def test_past_the_attempt_bound_it_voids_releases_and_fails_the_order_with_a_reason():
    saga, orders, inventory, payments, order = setup(token="tok_unavailable")
    before = failed_sagas("authorize_payment")
    for _ in range(2):
        waiting = await saga.run(order.id)
        assert waiting.status == OrderStatus.PENDING
        saga.clock.advance(10)
    assert inventory.available["TEE-M"] == 3  # reserved while it retried
    done = await saga.run(order.id)
    assert done.status == OrderStatus.FAILED
    assert (done.saga.status, done.saga.step) == (SagaStatus.COMPENSATED, SagaStep.DONE)
    assert done.saga.failed_step == SagaStep.AUTHORIZE_PAYMENT
    assert done.saga.attempts == 3
    assert "authorizing its payment failed 3 times over 20.0 s" in done.status_reason
    assert "not reachable" in done.status_reason
    assert payments.voided == ["pay_1"]  # the outage may have hidden an authorization
    assert done.payments[0].status == PaymentStatus.VOIDED
    assert inventory.available["TEE-M"] == 5
    assert inventory.released == [reservation_id(order.id)]
    assert orders.subjects() == ["omni.order.order.failed"]
    event = orders.events[0].message
    assert (event.reason, event.step, event.attempts) == (
        done.status_reason,
        order_pb2.SAGA_STEP_AUTHORIZE_PAYMENT,
        3,
    )
    assert failed_sagas("authorize_payment") == before + 1
    assert [e.action for e in done.history] == ["placed", "failed"]


async def test_past_the_time_bound_it_gives_up_at_the_next_failure_whatever_the_count():
    bound = RetryBound(max_attempts=100, max_seconds=60, backoff=Backoff(first=1, maximum=5))
    saga, _orders, inventory, payments, order = setup(bound=bound)
    inventory.down = True
    await saga.run(order.id)
    saga.clock.advance(59)
    assert (await saga.run(order.id)).status == OrderStatus.PENDING
    saga.clock.advance(1)
    giving_up = await saga.run(order.id)
    # nothing was reserved and no payment touched; the release waits for inventory
    assert giving_up.saga.status == SagaStatus.COMPENSATING
    assert giving_up.saga.step == SagaStep.RELEASE_STOCK
    assert giving_up.saga.failed_step == SagaStep.RESERVE_STOCK
    assert payments.voided == []
    inventory.down = False
    saga.clock.advance(5)
    done = await saga.run(order.id)
    assert done.status == OrderStatus.FAILED
    assert "reserving its stock failed 3 times over 1 min" in done.status_reason
    # no reservation was on record: the one it may have made and the cart's holds go back
    assert inventory.released == [reservation_id(order.id), "hold_1"]


async def test_a_compensation_is_never_given_up_its_retries_stay_at_the_backoff_cap():
    saga, _orders, inventory, payments, order = setup(token="tok_unavailable")
    for _ in range(2):
        await saga.run(order.id)
        saga.clock.advance(10)
    payments.down = True  # the provider is gone entirely: the void cannot be done now either
    for attempt in range(4, 10):
        stuck = await saga.run(order.id)
        assert stuck.saga.status == SagaStatus.COMPENSATING
        assert stuck.saga.step == SagaStep.VOID_PAYMENT
        assert stuck.saga.attempts == attempt
        assert stuck.saga.next_attempt_at is not None
        wait = stuck.saga.next_attempt_at - saga.clock()
        assert wait <= timedelta(seconds=10)
        saga.clock.advance(10)
    assert stuck.status == OrderStatus.PENDING
    assert inventory.available["TEE-M"] == 3
    payments.down = False
    done = await saga.run(order.id)
    assert done.status == OrderStatus.FAILED
    assert payments.voided == ["pay_1"]
    assert inventory.available["TEE-M"] == 5


async def test_cash_on_delivery_gives_up_without_calling_the_provider():
    saga, _orders, inventory, payments, order = setup(method=PaymentMethod.CASH_ON_DELIVERY)
    inventory.down = True
    for _ in range(3):
        await saga.run(order.id)
        saga.clock.advance(10)
    inventory.down = False
    done = await saga.run(order.id)
    assert done.status == OrderStatus.FAILED
    assert payments.voided == []
    assert done.payments[0].status == PaymentStatus.PENDING
