"""The place-order saga, orchestrated here and persisted in the order document.

reserve stock (source selection + reservation) -> authorize payment -> confirm (order.confirmed).
Each step is idempotent (the reservation id and the payment key derive from the order), its
outcome is saved before the next one starts, and a failure runs the compensations in reverse
order (void the payment, release the stock). A crash leaves the saga state in the document; the
resumer runs it on from there.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

from omni.common.v1 import common_pb2
from omni.order.v1 import order_pb2
from omni_kit.errors import Unavailable
from omni_kit.ids import utcnow
from omni_kit.protos import to_timestamp
from omni_order.clients import DownstreamError
from omni_order.domain.common import record
from omni_order.events import EventSpec, next_version
from omni_order.ports import (
    Inventory,
    Orders,
    PaymentProvider,
    PaymentTimeout,
    Placement,
    StockShortage,
)

S = order_pb2
ACTIVE = {S.SAGA_STATUS_RUNNING, S.SAGA_STATUS_COMPENSATING}


def reservation_id(order_id: str) -> str:
    return f"res_{order_id}"


def open_units(order: order_pb2.Order) -> list[Placement]:
    """What the order still needs, line by line: at the pickup store for click & collect, else
    wherever inventory has it."""
    at_store = order.delivery.mode == common_pb2.DELIVERY_MODE_CLICK_AND_COLLECT
    store = order.delivery.pickup_location_id if at_store else ""
    return [
        Placement(line.sku, line.quantity - line.cancelled_quantity, store)
        for line in order.lines
        if line.quantity > line.cancelled_quantity
    ]


class Saga:
    def __init__(
        self,
        orders: Orders,
        inventory: Inventory,
        payments: PaymentProvider,
        *,
        payment_timeout: float,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.orders = orders
        self.inventory = inventory
        self.payments = payments
        self.payment_timeout = payment_timeout
        self.clock = clock

    async def run(self, order_id: str) -> order_pb2.Order:
        """Run the saga to its end; a step that cannot be done now (a service down) leaves it
        where it is for the resumer, counting the attempt."""
        order = await self.orders.get(order_id)
        while order.saga.status in ACTIVE:
            try:
                order = await self.step(order)
            except Unavailable as error:
                return await self._attempt_failed(order, error.message)
            except DownstreamError as error:  # a step refused unexpectedly: retried later
                return await self._attempt_failed(order, error.message)
        return order

    async def step(self, order: order_pb2.Order) -> order_pb2.Order:
        steps = {
            S.SAGA_STEP_RESERVE_STOCK: self._reserve,
            S.SAGA_STEP_AUTHORIZE_PAYMENT: self._authorize,
            S.SAGA_STEP_CONFIRM_ORDER: self._confirm,
            S.SAGA_STEP_VOID_PAYMENT: self._void,
            S.SAGA_STEP_RELEASE_STOCK: self._release,
        }
        return await steps[order.saga.step](order)

    async def _reserve(self, order: order_pb2.Order) -> order_pb2.Order:
        rid = reservation_id(order.id)
        placed = await self.inventory.reservation(rid)
        if placed is None:
            try:
                placed = await self._reserve_stock(order, rid)
            except StockShortage as shortage:
                return await self._out_of_stock(order, str(shortage))
        order.reservation_id = rid
        for line in order.lines:
            del line.source_location_ids[:]
            line.source_location_ids.extend(
                sorted({p.location_id for p in placed if p.sku == line.sku and p.location_id})
            )
        return await self._advance(order, S.SAGA_STEP_AUTHORIZE_PAYMENT)

    async def _reserve_stock(self, order: order_pb2.Order, rid: str) -> list[Placement]:
        """Reserve by the sourcing plan, turning the order's holds (the cart's, or an import's)
        into its reservation in the same inventory transaction."""
        units = open_units(order)
        wanted = [Placement(p.sku, p.quantity) for p in units]
        plan = await self.inventory.select_sources(wanted, order.delivery, order.channel)
        holds = (await self.orders.checkout_inputs(order.id)).cart_holds

        async def reserve(lines: list[Placement]) -> list[Placement]:
            return await self.inventory.reserve_order(
                rid,
                lines,
                channel=order.channel,
                order_id=order.id,
                customer_id=order.customer_id,
                replaces=holds,
            )

        if plan is not None:
            try:
                return await reserve(plan)
            except StockShortage:
                if not holds:
                    raise
        # The order's own holds may be what makes the plan fall short, or the stock the plan
        # counted beside them may be gone by now: inventory then sources the lines itself, with
        # the held units given back first.
        return await reserve(units)

    async def _authorize(self, order: order_pb2.Order) -> order_pb2.Order:
        payment = order.payments[0]
        if payment.method != S.PAYMENT_METHOD_ONLINE_CARD:
            return await self._advance(order, S.SAGA_STEP_CONFIRM_ORDER)
        token = (await self.orders.checkout_inputs(order.id)).payment_token
        try:
            result = await asyncio.wait_for(
                self.payments.authorize(payment.id, payment.amount, token), self.payment_timeout
            )
        except (TimeoutError, PaymentTimeout):
            payment.status = S.PAYMENT_STATUS_FAILED
            payment.failure_reason = "the payment provider did not answer in time"
            return await self._compensate(order, S.SAGA_STEP_VOID_PAYMENT, payment.failure_reason)
        payment.provider = self.payments.name
        payment.updated_at.CopyFrom(to_timestamp(self.clock()))
        if not result.approved:
            payment.status = S.PAYMENT_STATUS_DECLINED
            payment.failure_reason = result.reason or "declined"
            return await self._compensate(order, S.SAGA_STEP_RELEASE_STOCK, payment.failure_reason)
        payment.status = S.PAYMENT_STATUS_AUTHORIZED
        payment.provider_ref = result.reference
        return await self._advance(order, S.SAGA_STEP_CONFIRM_ORDER)

    async def _confirm(self, order: order_pb2.Order) -> order_pb2.Order:
        now = self.clock()
        record(order, "confirmed", to_status=S.ORDER_STATUS_CONFIRMED, now=now)
        order.confirmed_at.CopyFrom(to_timestamp(now))
        self._finish(order, S.SAGA_STATUS_COMPLETED, now)
        return await self._save(order, ("confirmed", {}))

    async def _void(self, order: order_pb2.Order) -> order_pb2.Order:
        # The provider may have authorized before the timeout: voiding by the same key is safe.
        payment = order.payments[0]
        await self.payments.void(payment.id)
        if payment.status == S.PAYMENT_STATUS_AUTHORIZED:
            payment.status = S.PAYMENT_STATUS_VOIDED
        return await self._advance(order, S.SAGA_STEP_RELEASE_STOCK)

    async def _release(self, order: order_pb2.Order) -> order_pb2.Order:
        if order.reservation_id:
            await self.inventory.release(order.reservation_id, reason="payment failed")
        now = self.clock()
        reason = order.saga.last_error
        record(
            order,
            "payment_failed",
            to_status=S.ORDER_STATUS_PAYMENT_FAILED,
            reason=reason,
            now=now,
        )
        order.status_reason = reason
        order.cancellation_reason = S.CANCELLATION_REASON_PAYMENT_FAILED
        self._finish(order, S.SAGA_STATUS_COMPENSATED, now)
        return await self._save(order, ("payment_failed", {"reason": reason}))

    async def _out_of_stock(self, order: order_pb2.Order, detail: str) -> order_pb2.Order:
        now = self.clock()
        reason = f"not enough stock: {detail}"
        record(order, "cancelled", to_status=S.ORDER_STATUS_CANCELLED, reason=reason, now=now)
        order.status_reason = reason
        order.cancellation_reason = S.CANCELLATION_REASON_OUT_OF_STOCK
        order.saga.last_error = reason
        self._finish(order, S.SAGA_STATUS_COMPENSATED, now)
        fields = {"reason": S.CANCELLATION_REASON_OUT_OF_STOCK, "note": reason}
        return await self._save(order, ("cancelled", fields))

    async def _compensate(
        self, order: order_pb2.Order, step: order_pb2.SagaStep.ValueType, reason: str
    ) -> order_pb2.Order:
        order.saga.status = S.SAGA_STATUS_COMPENSATING
        order.saga.last_error = reason
        return await self._advance(order, step)

    async def _advance(
        self, order: order_pb2.Order, step: order_pb2.SagaStep.ValueType
    ) -> order_pb2.Order:
        order.saga.step = step
        order.saga.updated_at.CopyFrom(to_timestamp(self.clock()))
        return await self._save(order)

    async def _attempt_failed(self, order: order_pb2.Order, error: str) -> order_pb2.Order:
        order.saga.attempts += 1
        order.saga.last_error = error
        order.saga.updated_at.CopyFrom(to_timestamp(self.clock()))
        return await self._save(order)

    def _finish(
        self, order: order_pb2.Order, status: order_pb2.SagaStatus.ValueType, now: datetime
    ) -> None:
        order.saga.step = S.SAGA_STEP_DONE
        order.saga.status = status
        order.saga.updated_at.CopyFrom(to_timestamp(now))

    async def _save(self, order: order_pb2.Order, *events: EventSpec) -> order_pb2.Order:
        return await self.orders.save(order, next_version(order, *events))
