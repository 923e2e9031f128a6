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

from omni_kit import faults
from omni_kit.attributes import sales_channel
from omni_kit.errors import Unavailable
from omni_kit.ids import utcnow
from omni_kit.logs import get_logger
from omni_order.clients import DownstreamError
from omni_order.domain.common import record
from omni_order.domain.lifecycle import voided
from omni_order.domain.orders import (
    CancellationReason,
    DeliveryMode,
    Order,
    OrderStatus,
    PaymentMethod,
    PaymentStatus,
    SagaStatus,
    SagaStep,
)
from omni_order.events import EventSpec, next_version
from omni_order.messages import channel_message
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

ACTIVE = {SagaStatus.RUNNING, SagaStatus.COMPENSATING}
RELEASE_REASONS = {
    "failed": "order could not be placed",
    "cancelled": "not enough stock",
    "payment_failed": "payment failed",
}

log = get_logger("omni.order.saga")
JITTER = secrets.SystemRandom()


def reservation_id(order_id: str) -> str:
    return f"res_{order_id}"


def open_units(order: Order) -> list[Placement]:
    """What the order still needs, line by line: at the pickup store for click & collect, else
    wherever inventory has it."""
    at_store = order.delivery.mode == DeliveryMode.CLICK_AND_COLLECT
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

    async def run(self, order_id: str) -> Order:
        """Run the saga as far as it goes now: to its end, or until a step fails and waits for
        its next attempt (saga.next_attempt_at; the resumer takes it up then)."""
        return await self._run(await self.orders.get(order_id))

    async def payment_reported(self, order: Order, status: ProviderStatus) -> Order:
        """The provider reported the payment of an order waiting for the customer (a verified
        callback): the saga goes on from there. Anything else is a late report: no change."""
        if order.status != OrderStatus.ACTION_REQUIRED:
            return order
        if order.saga.status != SagaStatus.RUNNING:
            return order
        if order.saga.step != SagaStep.AUTHORIZE_PAYMENT:
            return order
        order = await self._payment_answer(order, status)
        if order.saga.next_attempt_at is not None:
            return order  # still waiting for the customer
        return await self._run(order)

    async def _run(self, order: Order) -> Order:
        while order.saga.status in ACTIVE:
            try:
                order = await self.step(order)
            except (Unavailable, DownstreamError) as error:  # down, or an unexpected refusal
                order = await self._attempt_failed(order, error.message)
            if order.saga.next_attempt_at is not None:
                return order  # waits for a retry, or for the customer at the provider
        return order

    async def step(self, order: Order) -> Order:
        steps = {
            SagaStep.RESERVE_STOCK: self._reserve,
            SagaStep.AUTHORIZE_PAYMENT: self._authorize,
            SagaStep.CONFIRM_ORDER: self._confirm,
            SagaStep.VOID_PAYMENT: self._void,
            SagaStep.RELEASE_STOCK: self._release,
        }
        return await steps[order.saga.step](order)

    async def _reserve(self, order: Order) -> Order:
        rid = reservation_id(order.id)
        placed = await self.inventory.reservation(rid)
        if placed is None:
            try:
                placed = await self._reserve_stock(order, rid)
            except StockShortage as shortage:
                order.cancellation_reason = CancellationReason.OUT_OF_STOCK
                reason = f"not enough stock: {shortage}"
                return await self._compensate(order, SagaStep.RELEASE_STOCK, reason)
        order.reservation_id = rid
        for line in order.lines:
            line.source_location_ids = sorted(
                {p.location_id for p in placed if p.sku == line.sku and p.location_id}
            )
        order = await self._advance(order, SagaStep.AUTHORIZE_PAYMENT)
        faults.reach("order.after_reservation")
        return order

    async def _reserve_stock(self, order: Order, rid: str) -> list[Placement]:
        """Reserve by the sourcing plan, turning the order's holds (the cart's, or an import's)
        into its reservation in the same inventory transaction."""
        units = open_units(order)
        wanted = [Placement(p.sku, p.quantity) for p in units]
        channel = channel_message(order.channel)
        plan = await self.inventory.select_sources(wanted, order.delivery, channel)
        holds = (await self.orders.checkout_inputs(order.id)).cart_holds

        async def reserve(lines: list[Placement]) -> list[Placement]:
            return await self.inventory.reserve_order(
                rid,
                lines,
                channel=channel,
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

    async def _authorize(self, order: Order) -> Order:
        payment = order.payments[0]
        if payment.method != PaymentMethod.ONLINE_CARD:
            return await self._advance(order, SagaStep.CONFIRM_ORDER)
        provider = self.payments.of(payment)
        token = (await self.orders.checkout_inputs(order.id)).payment_token
        try:
            status = await asyncio.wait_for(
                ask_provider(provider, order, token, self.links), self.payment_timeout
            )
        except (TimeoutError, PaymentTimeout):
            payment.status = PaymentStatus.FAILED
            payment.failure_reason = "the payment provider did not answer in time"
            return await self._compensate(order, SagaStep.VOID_PAYMENT, payment.failure_reason)
        faults.reach("order.after_payment_authorization")
        payment.provider = provider.name
        return await self._payment_answer(order, status)

    async def _payment_answer(self, order: Order, status: ProviderStatus) -> Order:
        """Put the provider's answer on the order: confirm, wait for the customer, or fail."""
        payment = order.payments[0]
        now = self.clock()
        payment.updated_at = now
        if status.state in SETTLED and not amount_matches(payment, status):
            log.error("payment_amount_mismatch", order_id=order.id, reported=str(status.amount))
            payment.status = PaymentStatus.FAILED
            payment.failure_reason = AMOUNT_MISMATCH
            return await self._compensate(order, SagaStep.VOID_PAYMENT, AMOUNT_MISMATCH)
        if status.state in SETTLED:
            paid(payment, status, now)
            return await self._advance(order, SagaStep.CONFIRM_ORDER)
        if status.state in WAITING:
            waited = (now - (order.placed_at or now)).total_seconds()
            if waited >= self.action_seconds:
                payment.status = PaymentStatus.FAILED
                payment.failure_reason = "the payment was not completed in time"
                return await self._compensate(order, SagaStep.VOID_PAYMENT, payment.failure_reason)
            waiting(order, status, now)
            order.saga.updated_at = now
            order.saga.next_attempt_at = now + timedelta(seconds=self.poll_seconds)
            return await self._save(order)
        payment.status = PaymentStatus.DECLINED
        payment.provider_ref = status.reference or payment.provider_ref
        payment.next_action = None
        payment.failure_reason = status.reason or "the payment was declined"
        return await self._compensate(order, SagaStep.RELEASE_STOCK, payment.failure_reason)

    async def _confirm(self, order: Order) -> Order:
        now = self.clock()
        record(order, "confirmed", to_status=OrderStatus.CONFIRMED, now=now)
        order.confirmed_at = now
        self._finish(order, SagaStatus.COMPLETED, now)
        saved = await self._save(order, ("confirmed", {}))
        ORDERS.labels(channel=sales_channel(channel_message(order.channel))).inc()
        return saved

    async def _void(self, order: Order) -> Order:
        # The provider may have authorized before the timeout or the outage: voiding by the same
        # key is safe.
        payment = order.payments[0]
        if payment.method == PaymentMethod.ONLINE_CARD:
            provider = self.payments.of(payment)
            await provider.void(payment.id, reference=payment.provider_ref)
            voided(payment, self.clock())
        return await self._advance(order, SagaStep.RELEASE_STOCK)

    async def _release(self, order: Order) -> Order:
        if order.saga.failed_step is not SagaStep.UNSPECIFIED:
            outcome = "failed"
        elif order.cancellation_reason == CancellationReason.OUT_OF_STOCK:
            outcome = "cancelled"
        else:
            outcome = "payment_failed"
        await self._release_everything(order, RELEASE_REASONS[outcome])
        now = self.clock()
        reason = order.status_reason
        self._finish(order, SagaStatus.COMPENSATED, now)
        if outcome == "failed":
            record(order, "failed", to_status=OrderStatus.FAILED, reason=reason, now=now)
            fields = {
                "reason": reason,
                "step": order.saga.failed_step,
                "attempts": order.saga.attempts,
            }
            return await self._save(order, ("failed", fields))
        if outcome == "cancelled":
            record(order, "cancelled", to_status=OrderStatus.CANCELLED, reason=reason, now=now)
            fields = {"reason": CancellationReason.OUT_OF_STOCK, "note": reason}
            return await self._save(order, ("cancelled", fields))
        record(
            order, "payment_failed", to_status=OrderStatus.PAYMENT_FAILED, reason=reason, now=now
        )
        order.cancellation_reason = CancellationReason.PAYMENT_FAILED
        return await self._save(order, ("payment_failed", {"reason": reason}))

    async def _release_everything(self, order: Order, reason: str) -> None:
        """Give back all the stock the order holds: its reservation (which replaced its holds),
        or, when it has none on record, one made whose answer was lost and the holds it came
        with (a cart's, an import's)."""
        if order.reservation_id:
            await self.inventory.release(order.reservation_id, reason=reason)
            return
        await self.inventory.release(reservation_id(order.id), reason=reason)
        for hold in (await self.orders.checkout_inputs(order.id)).cart_holds:
            await self.inventory.release(hold, reason=reason)

    async def _compensate(self, order: Order, step: SagaStep, reason: str) -> Order:
        order.saga.status = SagaStatus.COMPENSATING
        order.saga.last_error = reason
        # Kept apart from last_error, which a failing compensation overwrites.
        order.status_reason = reason
        return await self._advance(order, step)

    async def _advance(self, order: Order, step: SagaStep) -> Order:
        order.saga.step = step
        order.saga.next_attempt_at = None
        order.saga.updated_at = self.clock()
        return await self._save(order)

    async def _attempt_failed(self, order: Order, error: str) -> Order:
        """Count the failed attempt; give up past the bound (compensations never give up), else
        set the time of the next attempt."""
        now = self.clock()
        saga = order.saga
        saga.attempts += 1
        saga.last_error = error
        saga.updated_at = now
        if saga.first_failed_at is None:
            saga.first_failed_at = now
        elapsed = (now - saga.first_failed_at).total_seconds()
        log.warning(
            "saga_attempt_failed",
            order_id=order.id,
            step=saga.step.value,
            attempts=saga.attempts,
            error=error,
        )
        if saga.status == SagaStatus.RUNNING and self.bound.exhausted(saga.attempts, elapsed):
            return await self._give_up(order, elapsed)
        wait = self.bound.delay(saga.attempts, self.spread())
        saga.next_attempt_at = now + timedelta(seconds=wait)
        return await self._save(order)

    async def _give_up(self, order: Order, elapsed: float) -> Order:
        saga = order.saga
        step = saga.step
        saga.failed_step = step
        reason = gave_up_reason(step, saga.attempts, elapsed, saga.last_error)
        # Past the reservation the provider may have authorized (an outage hides its answer).
        card = order.payments[0].method == PaymentMethod.ONLINE_CARD
        first = (
            SagaStep.VOID_PAYMENT
            if card and step != SagaStep.RESERVE_STOCK
            else SagaStep.RELEASE_STOCK
        )
        order = await self._compensate(order, first, reason)
        step_name = step.name.lower()
        SAGAS_FAILED.labels(step=step_name).inc()
        log.error("saga_gave_up", order_id=order.id, step=step_name, reason=reason)
        return order

    def _finish(self, order: Order, status: SagaStatus, now: datetime) -> None:
        order.saga.step = SagaStep.DONE
        order.saga.status = status
        order.saga.next_attempt_at = None
        order.saga.updated_at = now

    async def _save(self, order: Order, *events: EventSpec) -> Order:
        return await self.orders.save(order, next_version(order, *events))
