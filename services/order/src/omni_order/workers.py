"""Background work: resume sagas left mid-way (a crash, a restart), sweep pickups (a reminder
before the deadline, then cancel and restock) and voucher holds whose checkout died."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta

from omni_kit.errors import DomainError
from omni_kit.ids import utcnow
from omni_kit.logs import get_logger
from omni_order.api.deps import Deps
from omni_order.domain import lifecycle
from omni_order.domain.orders import Order, OrderStatus
from omni_order.domain.returns import ItemCondition
from omni_order.events import next_version
from omni_order.payments import settle_cancellation

log = get_logger("omni.order.workers")


async def resume_sagas(deps: Deps) -> int:
    """Run every saga that is due: its next attempt's time has come (after a failed step, with
    backoff), or nobody has moved it for a while (a crash, a restart). The saga's retry bound
    holds across restarts: its attempts and first failure are in the order. Returns how many
    were taken up."""
    now = utcnow()
    stale = now - timedelta(seconds=deps.settings.saga_stale_seconds)
    taken = 0
    for order_id in await deps.orders.due_sagas(now, stale):
        if not await deps.orders.claim_saga(order_id, now, stale):
            continue  # another instance took it
        taken += 1
        try:
            order = await deps.saga.run(order_id)
            log.info(
                "saga_resumed",
                order_id=order_id,
                status=order.status.value,
                attempts=order.saga.attempts,
            )
        except DomainError as error:  # another instance moved it meanwhile, or a step refused
            log.warning("saga_resume_failed", order_id=order_id, error=error.message)
        except Exception:  # one broken order must not stop the resumer for every other one
            log.exception("saga_resume_crashed", order_id=order_id)
    return taken


async def sweep_pickups(deps: Deps) -> None:
    now = utcnow()
    lead = timedelta(hours=deps.settings.pickup_reminder_lead_hours)
    for order_id in await deps.orders.pickups_due(now + lead):
        order = await deps.orders.get(order_id)
        pickup = order.pickup
        if order.status != OrderStatus.READY_FOR_PICKUP or pickup is None:
            continue
        deadline = pickup.deadline or now
        try:
            if now >= deadline:
                await _cancel_uncollected(deps, order)
            elif pickup.reminders_sent == 0:
                number = lifecycle.remind(order, now)
                fields = {"reminder_number": number, "deadline": deadline}
                await deps.orders.save(order, next_version(order, ("reminder_due", fields)))
        except DomainError as error:
            log.warning("pickup_sweep_failed", order_id=order_id, error=error.message)


async def sweep_voucher_holds(deps: Deps) -> None:
    """Give back the voucher holds of checkouts that died before writing their order."""
    before = utcnow() - timedelta(seconds=deps.settings.voucher_hold_seconds)
    given = await deps.vouchers.sweep(before)
    if given:
        log.info("voucher_holds_given_back", holds=given)


async def _cancel_uncollected(deps: Deps, order: Order) -> None:
    store = order.delivery.pickup_location_id
    if order.reservation_id:
        await deps.inventory.release(
            order.reservation_id, key=f"uncollected_{order.id}", reason="not collected"
        )
    at_store = lifecycle.abandon_pickup(order, utcnow())
    if at_store:
        skus = {line.line_id: line.sku for line in order.lines}
        sellable = ItemCondition.SELLABLE
        await deps.inventory.return_to_stock(
            store,
            [(skus[unit.line_id], unit.quantity, sellable) for unit in at_store],
            key=f"uncollected_{order.id}",
            order_id=order.id,
            return_id="",
        )
    refunds = await settle_cancellation(deps.payments, order, at_store, utcnow())
    fields = {"reason": order.cancellation_reason, "note": order.status_reason}
    await deps.orders.save(order, next_version(order, ("cancelled", fields), *refunds))


async def every(seconds: float, work: Callable[[], Awaitable[object]]) -> None:
    while True:
        await work()
        await asyncio.sleep(seconds)


async def count_sales(deps: Deps) -> None:
    """Once at start: count the orders the sales totals do not hold yet (stored before the
    totals existed, or counted for other time zones)."""
    changed = await deps.orders.count_sales()
    if changed:
        log.info("sales_totals_caught_up", orders=changed)
