"""The place-order saga against in-memory ports: outcomes, compensations, resuming."""

from __future__ import annotations

import pytest
from order_fakes import FakeInventory, FakeOrders, pending_order

from omni.order.v1 import order_pb2
from omni_order.payments import TestPaymentProvider
from omni_order.ports import CheckoutInputs, Placement, StockShortage
from omni_order.saga import Saga, reservation_id

P = order_pb2


def setup(token: str = "tok_ok", stock: int = 5, **order_args):
    orders, inventory, payments = (
        FakeOrders(),
        FakeInventory({"TEE-M": stock}),
        TestPaymentProvider(),
    )
    order = pending_order(**order_args)
    orders.add(order, CheckoutInputs(payment_token=token, cart_holds=["hold_1"]))
    saga = Saga(orders, inventory, payments, payment_timeout=0.05)
    return saga, orders, inventory, payments, order


class StalePlans(FakeInventory):
    """Sourcing plans a store whose stock others take before the reservation is made."""

    async def select_sources(self, lines, delivery, channel) -> list[Placement] | None:
        return [Placement(p.sku, p.quantity, "loc_sold_out") for p in lines]

    async def reserve_order(self, reservation_id, lines, **kwargs) -> list[Placement]:
        if any(p.location_id == "loc_sold_out" for p in lines):
            raise StockShortage("taken meanwhile")
        return await super().reserve_order(reservation_id, lines, **kwargs)


def actions(order: order_pb2.Order) -> list[str]:
    return [entry.action for entry in order.history]


async def test_an_approved_card_reserves_stock_authorizes_and_confirms():
    saga, orders, inventory, _, order = setup()
    done = await saga.run(order.id)
    assert done.status == P.ORDER_STATUS_CONFIRMED
    assert (done.saga.status, done.saga.step) == (P.SAGA_STATUS_COMPLETED, P.SAGA_STEP_DONE)
    assert done.payments[0].status == P.PAYMENT_STATUS_AUTHORIZED
    assert done.payments[0].provider_ref
    assert done.reservation_id == reservation_id(order.id)
    assert list(done.lines[0].source_location_ids) == ["loc_wh"]
    assert inventory.available["TEE-M"] == 3
    assert actions(done) == ["placed", "confirmed"]
    assert orders.subjects() == ["omni.order.order.confirmed"]
    assert orders.events[0].message.order.status == P.ORDER_STATUS_CONFIRMED


async def test_a_declined_card_releases_the_stock_and_records_why():
    saga, orders, inventory, _, order = setup(token="tok_decline_insufficient_funds")
    done = await saga.run(order.id)
    assert done.status == P.ORDER_STATUS_PAYMENT_FAILED
    assert done.payments[0].status == P.PAYMENT_STATUS_DECLINED
    assert "declined" in done.status_reason
    assert done.saga.status == P.SAGA_STATUS_COMPENSATED
    assert inventory.available["TEE-M"] == 5
    assert inventory.released == [reservation_id(order.id)]
    assert orders.subjects() == ["omni.order.order.payment_failed"]
    assert orders.events[0].message.reason == done.status_reason


async def test_a_provider_timeout_voids_then_releases_in_reverse_order():
    saga, _orders, inventory, payments, order = setup(token="tok_timeout")
    done = await saga.run(order.id)
    assert done.status == P.ORDER_STATUS_PAYMENT_FAILED
    assert done.payments[0].status == P.PAYMENT_STATUS_FAILED
    assert "did not answer" in done.status_reason
    assert payments.voided == {"pay_1"}
    assert inventory.available["TEE-M"] == 5


async def test_not_enough_stock_cancels_without_touching_payment():
    saga, orders, inventory, _, order = setup(stock=1)
    done = await saga.run(order.id)
    assert done.status == P.ORDER_STATUS_CANCELLED
    assert done.cancellation_reason == P.CANCELLATION_REASON_OUT_OF_STOCK
    assert done.payments[0].status == P.PAYMENT_STATUS_PENDING
    assert inventory.available["TEE-M"] == 1
    assert orders.subjects() == ["omni.order.order.cancelled"]


@pytest.mark.parametrize(("holds", "status"), [(["hold_1"], "CONFIRMED"), ([], "CANCELLED")])
async def test_a_stale_plan_falls_back_on_the_orders_own_holds(holds, status):
    orders, inventory = FakeOrders(), StalePlans({"TEE-M": 5})
    order = pending_order(method=P.PAYMENT_METHOD_CASH_ON_DELIVERY)
    orders.add(order, CheckoutInputs(cart_holds=holds))
    saga = Saga(orders, inventory, TestPaymentProvider(), payment_timeout=0.05)
    done = await saga.run(order.id)
    assert P.OrderStatus.Name(done.status) == f"ORDER_STATUS_{status}"


async def test_cash_on_delivery_confirms_without_the_provider():
    saga, _orders, _, _, order = setup(method=P.PAYMENT_METHOD_CASH_ON_DELIVERY)
    done = await saga.run(order.id)
    assert done.status == P.ORDER_STATUS_CONFIRMED
    assert done.payments[0].status == P.PAYMENT_STATUS_PENDING


async def test_inventory_down_leaves_the_saga_pending_and_a_later_run_finishes_it():
    saga, _orders, inventory, _, order = setup()
    inventory.down = True
    waiting = await saga.run(order.id)
    assert waiting.status == P.ORDER_STATUS_PENDING
    assert waiting.saga.attempts == 1
    assert "not reachable" in waiting.saga.last_error
    inventory.down = False
    done = await saga.run(order.id)
    assert done.status == P.ORDER_STATUS_CONFIRMED


async def test_a_crash_after_reserving_resumes_without_a_second_reservation():
    saga, orders, inventory, _, order = setup()
    orders.crash_on_save = 1
    with pytest.raises(RuntimeError):
        await saga.run(order.id)
    stored = await orders.get(order.id)
    assert stored.saga.step == P.SAGA_STEP_RESERVE_STOCK  # the crash lost the step's outcome
    done = await saga.run(order.id)  # what the resumer does after a restart
    assert done.status == P.ORDER_STATUS_CONFIRMED
    assert inventory.available["TEE-M"] == 3
    assert list(inventory.reservations) == [reservation_id(order.id)]


async def test_a_finished_saga_is_not_run_again():
    saga, orders, _inventory, _, order = setup()
    await saga.run(order.id)
    again = await saga.run(order.id)
    assert again.status == P.ORDER_STATUS_CONFIRMED
    assert orders.subjects() == ["omni.order.order.confirmed"]
