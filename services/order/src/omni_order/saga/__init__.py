"""The place-order saga, orchestrated here and persisted in the order document.

reserve stock (source selection + reservation) -> authorize payment -> confirm (order.confirmed).
Each step is idempotent (the reservation id and the payment key derive from the order), its
outcome is saved before the next one starts, and a failure runs the compensations in reverse
order (void the payment, release the stock and holds). A crash leaves the saga state in the
document; the resumer runs it on from there.

A step a service cannot do now (unreachable, or refusing unexpectedly) is retried with backoff
and jitter, the next attempt's time kept in the saga state for the resumer. Past the retry bound
(attempts or time since the first failure) the saga gives up: it compensates and the order ends
FAILED (order.failed). Compensations are never given up: they retry until they are done.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from omni.common.v1 import common_pb2
from omni.order.v1 import order_pb2
from omni_kit import faults
from omni_kit.attributes import sales_channel
from omni_kit.errors import Unavailable
from omni_kit.ids import utcnow
from omni_kit.logs import get_logger
from omni_kit.protos import from_timestamp, to_timestamp
from omni_order.clients import DownstreamError
from omni_order.domain.common import record
from omni_order.domain.lifecycle import voided
from omni_order.events import EventSpec, next_version
from omni_order.metrics import ORDERS, SAGAS_FAILED
from omni_order.payments.checkout import (
    AMOUNT_MISMATCH,
    WAITING,
    PaymentLinks,
    amount_matches,
    ask_provider,
    paid,
    waiting,
)
from omni_order.payments.provider import SETTLED, ProviderStatus
from omni_order.payments.registry import PaymentProviders
from omni_order.ports import Inventory, Orders, PaymentTimeout, Placement, StockShortage
from omni_order.saga.bounds import RetryBound, gave_up_reason

S = order_pb2
ACTIVE = {S.SAGA_STATUS_RUNNING, S.SAGA_STATUS_COMPENSATING}
RELEASE_REASONS = {
    "failed": "order could not be placed",
    "cancelled": "not enough stock",
    "payment_failed": "payment failed",
}

log = get_logger("omni.order.saga")
JITTER = secrets.SystemRandom()


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
        payments: PaymentProviders,
        *,
        payment_timeout: float,
        links: PaymentLinks,
        poll_seconds: float = 30.0,
        action_seconds: float = 1800.0,
        bound: RetryBound | None = None,
        clock: Callable[[], datetime] = utcnow,
        spread: Callable[[], float] = JITTER.random,
    ) -> None:
        self.orders = orders
        self.inventory = inventory
        self.payments = payments
        self.payment_timeout = payment_timeout
        self.links = links
        self.poll_seconds = poll_seconds
        self.action_seconds = action_seconds
        self.bound = bound or RetryBound()
        self.clock = clock
        self.spread = spread

    async def run(self, order_id: str) -> order_pb2.Order:
        """Run the saga as far as it goes now: to its end, or until a step fails and waits for
        its next attempt (saga.next_attempt_at; the resumer takes it up then)."""
        return await self._run(await self.orders.get(order_id))

    async def payment_reported(
        self, order: order_pb2.Order, status: ProviderStatus
    ) -> order_pb2.Order:
        """The provider reported the payment of an order waiting for the customer (a verified
        callback): the saga goes on from there. Anything else is a late report: no change."""
        if order.status != S.ORDER_STATUS_ACTION_REQUIRED:
            return order
        if order.saga.status != S.SAGA_STATUS_RUNNING:
            return order
        if order.saga.step != S.SAGA_STEP_AUTHORIZE_PAYMENT:
            return order
        order = await self._payment_answer(order, status)
        if order.saga.HasField("next_attempt_at"):
            return order  # still waiting for the customer
        return await self._run(order)

    async def _run(self, order: order_pb2.Order) -> order_pb2.Order:
        while order.saga.status in ACTIVE:
            try:
                order = await self.step(order)
            except (Unavailable, DownstreamError) as error:  # down, or an unexpected refusal
                order = await self._attempt_failed(order, error.message)
            if order.saga.HasField("next_attempt_at"):
                return order  # waits for a retry, or for the customer at the provider
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
                order.cancellation_reason = S.CANCELLATION_REASON_OUT_OF_STOCK
                reason = f"not enough stock: {shortage}"
                return await self._compensate(order, S.SAGA_STEP_RELEASE_STOCK, reason)
        order.reservation_id = rid
        for line in order.lines:
            del line.source_location_ids[:]
            line.source_location_ids.extend(
                sorted({p.location_id for p in placed if p.sku == line.sku and p.location_id})
            )
        order = await self._advance(order, S.SAGA_STEP_AUTHORIZE_PAYMENT)
        faults.reach("order.after_reservation")
        return order

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
        provider = self.payments.of(payment)
        token = (await self.orders.checkout_inputs(order.id)).payment_token
        try:
            status = await asyncio.wait_for(
                ask_provider(provider, order, token, self.links), self.payment_timeout
            )
        except (TimeoutError, PaymentTimeout):
            payment.status = S.PAYMENT_STATUS_FAILED
            payment.failure_reason = "the payment provider did not answer in time"
            return await self._compensate(order, S.SAGA_STEP_VOID_PAYMENT, payment.failure_reason)
        faults.reach("order.after_payment_authorization")
        payment.provider = provider.name
        return await self._payment_answer(order, status)

    async def _payment_answer(
        self, order: order_pb2.Order, status: ProviderStatus
    ) -> order_pb2.Order:
        """Put the provider's answer on the order: confirm, wait for the customer, or fail."""
        payment = order.payments[0]
        now = self.clock()
        payment.updated_at.CopyFrom(to_timestamp(now))
        if status.state in SETTLED and not amount_matches(payment, status):
            log.error("payment_amount_mismatch", order_id=order.id, reported=str(status.amount))
            payment.status = S.PAYMENT_STATUS_FAILED
            payment.failure_reason = AMOUNT_MISMATCH
            return await self._compensate(order, S.SAGA_STEP_VOID_PAYMENT, AMOUNT_MISMATCH)
        if status.state in SETTLED:
            paid(payment, status, now)
            return await self._advance(order, S.SAGA_STEP_CONFIRM_ORDER)
        if status.state in WAITING:
            waited = (now - from_timestamp(order.placed_at)).total_seconds()
            if waited >= self.action_seconds:
                payment.status = S.PAYMENT_STATUS_FAILED
                payment.failure_reason = "the payment was not completed in time"
                return await self._compensate(
                    order, S.SAGA_STEP_VOID_PAYMENT, payment.failure_reason
                )
            waiting(order, status, now)
            order.saga.updated_at.CopyFrom(to_timestamp(now))
            order.saga.next_attempt_at.CopyFrom(
                to_timestamp(now + timedelta(seconds=self.poll_seconds))
            )
            return await self._save(order)
        payment.status = S.PAYMENT_STATUS_DECLINED
        payment.provider_ref = status.reference or payment.provider_ref
        payment.ClearField("next_action")
        payment.failure_reason = status.reason or "the payment was declined"
        return await self._compensate(order, S.SAGA_STEP_RELEASE_STOCK, payment.failure_reason)

    async def _confirm(self, order: order_pb2.Order) -> order_pb2.Order:
        now = self.clock()
        record(order, "confirmed", to_status=S.ORDER_STATUS_CONFIRMED, now=now)
        order.confirmed_at.CopyFrom(to_timestamp(now))
        self._finish(order, S.SAGA_STATUS_COMPLETED, now)
        saved = await self._save(order, ("confirmed", {}))
        ORDERS.labels(channel=sales_channel(order.channel)).inc()
        return saved

    async def _void(self, order: order_pb2.Order) -> order_pb2.Order:
        # The provider may have authorized before the timeout or the outage: voiding by the same
        # key is safe.
        payment = order.payments[0]
        if payment.method == S.PAYMENT_METHOD_ONLINE_CARD:
            provider = self.payments.of(payment)
            await provider.void(payment.id, reference=payment.provider_ref)
            voided(payment, self.clock())
        return await self._advance(order, S.SAGA_STEP_RELEASE_STOCK)

    async def _release(self, order: order_pb2.Order) -> order_pb2.Order:
        if order.saga.failed_step:
            outcome = "failed"
        elif order.cancellation_reason == S.CANCELLATION_REASON_OUT_OF_STOCK:
            outcome = "cancelled"
        else:
            outcome = "payment_failed"
        await self._release_everything(order, RELEASE_REASONS[outcome])
        now = self.clock()
        reason = order.status_reason
        self._finish(order, S.SAGA_STATUS_COMPENSATED, now)
        if outcome == "failed":
            record(order, "failed", to_status=S.ORDER_STATUS_FAILED, reason=reason, now=now)
            fields = {
                "reason": reason,
                "step": order.saga.failed_step,
                "attempts": order.saga.attempts,
            }
            return await self._save(order, ("failed", fields))
        if outcome == "cancelled":
            record(order, "cancelled", to_status=S.ORDER_STATUS_CANCELLED, reason=reason, now=now)
            fields = {"reason": S.CANCELLATION_REASON_OUT_OF_STOCK, "note": reason}
            return await self._save(order, ("cancelled", fields))
        record(
            order, "payment_failed", to_status=S.ORDER_STATUS_PAYMENT_FAILED, reason=reason, now=now
        )
        order.cancellation_reason = S.CANCELLATION_REASON_PAYMENT_FAILED
        return await self._save(order, ("payment_failed", {"reason": reason}))

    async def _release_everything(self, order: order_pb2.Order, reason: str) -> None:
        """Give back all the stock the order holds: its reservation (which replaced its holds),
        or, when it has none on record, one made whose answer was lost and the holds it came
        with (a cart's, an import's)."""
        if order.reservation_id:
            await self.inventory.release(order.reservation_id, reason=reason)
            return
        await self.inventory.release(reservation_id(order.id), reason=reason)
        for hold in (await self.orders.checkout_inputs(order.id)).cart_holds:
            await self.inventory.release(hold, reason=reason)

    async def _compensate(
        self, order: order_pb2.Order, step: order_pb2.SagaStep.ValueType, reason: str
    ) -> order_pb2.Order:
        order.saga.status = S.SAGA_STATUS_COMPENSATING
        order.saga.last_error = reason
        # Kept apart from last_error, which a failing compensation overwrites.
        order.status_reason = reason
        return await self._advance(order, step)

    async def _advance(
        self, order: order_pb2.Order, step: order_pb2.SagaStep.ValueType
    ) -> order_pb2.Order:
        order.saga.step = step
        order.saga.ClearField("next_attempt_at")
        order.saga.updated_at.CopyFrom(to_timestamp(self.clock()))
        return await self._save(order)

    async def _attempt_failed(self, order: order_pb2.Order, error: str) -> order_pb2.Order:
        """Count the failed attempt; give up past the bound (compensations never give up), else
        set the time of the next attempt."""
        now = self.clock()
        saga = order.saga
        saga.attempts += 1
        saga.last_error = error
        saga.updated_at.CopyFrom(to_timestamp(now))
        if not saga.HasField("first_failed_at"):
            saga.first_failed_at.CopyFrom(to_timestamp(now))
        elapsed = (now - from_timestamp(saga.first_failed_at)).total_seconds()
        log.warning(
            "saga_attempt_failed",
            order_id=order.id,
            step=S.SagaStep.Name(saga.step),
            attempts=saga.attempts,
            error=error,
        )
        if saga.status == S.SAGA_STATUS_RUNNING and self.bound.exhausted(saga.attempts, elapsed):
            return await self._give_up(order, elapsed)
        wait = self.bound.delay(saga.attempts, self.spread())
        saga.next_attempt_at.CopyFrom(to_timestamp(now + timedelta(seconds=wait)))
        return await self._save(order)

    async def _give_up(self, order: order_pb2.Order, elapsed: float) -> order_pb2.Order:
        saga = order.saga
        step = saga.step
        saga.failed_step = step
        reason = gave_up_reason(step, saga.attempts, elapsed, saga.last_error)
        # Past the reservation the provider may have authorized (an outage hides its answer).
        card = order.payments[0].method == S.PAYMENT_METHOD_ONLINE_CARD
        first = (
            S.SAGA_STEP_VOID_PAYMENT
            if card and step != S.SAGA_STEP_RESERVE_STOCK
            else S.SAGA_STEP_RELEASE_STOCK
        )
        order = await self._compensate(order, first, reason)
        step_name = S.SagaStep.Name(step).removeprefix("SAGA_STEP_").lower()
        SAGAS_FAILED.labels(step=step_name).inc()
        log.error("saga_gave_up", order_id=order.id, step=step_name, reason=reason)
        return order

    def _finish(
        self, order: order_pb2.Order, status: order_pb2.SagaStatus.ValueType, now: datetime
    ) -> None:
        order.saga.step = S.SAGA_STEP_DONE
        order.saga.status = status
        order.saga.ClearField("next_attempt_at")
        order.saga.updated_at.CopyFrom(to_timestamp(now))

    async def _save(self, order: order_pb2.Order, *events: EventSpec) -> order_pb2.Order:
        return await self.orders.save(order, next_version(order, *events))
