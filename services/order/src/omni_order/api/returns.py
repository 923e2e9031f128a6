"""CreateReturn: goods back at any location (restocked there), refunds recorded, exchanges."""

from __future__ import annotations

from grpc import aio
from pymongo.asynchronous.client_session import AsyncClientSession

from omni.order.v1 import order_pb2
from omni_kit.errors import FailedPrecondition, NotFound
from omni_kit.idempotency import Command, Work, require_command
from omni_kit.ids import utcnow
from omni_order.api.deps import Deps
from omni_order.domain import returns as rules
from omni_order.domain.common import require
from omni_order.domain.orders import Order, PaymentMethod, Refund, RefundStatus
from omni_order.domain.returns import OrderReturn, ReturnLine, ReturnResolution, ReturnStatus
from omni_order.domain.values import total
from omni_order.events import EventSpec, next_version
from omni_order.messages import (
    actor,
    channel_ref,
    from_message,
    order_message,
    return_message,
)
from omni_order.payments import refund_payment
from omni_order.ports import Placement, StockShortage

C = order_pb2
Write = Work[C.CreateReturnResponse]


class ReturnsApi:
    deps: Deps

    async def CreateReturn(
        self, request: C.CreateReturnRequest, context: aio.ServicerContext
    ) -> C.CreateReturnResponse:
        command = require_command(context, request)
        return await self.deps.idempotency.run(
            context, request, C.CreateReturnResponse, lambda: self._receive(request, command)
        )

    async def _receive(self, request: C.CreateReturnRequest, command: Command) -> Write:
        """Take the goods back (restock, exchange goods, refund: each keyed by the return, so a
        retry after a crash repeats them harmlessly), then the write that records the return."""
        order = await self.deps.orders.get(require(request.order_id, "order_id"))
        requested = [from_message(line, ReturnLine) for line in request.lines]
        lines = rules.returned_lines(order, requested)
        location_id = require(request.receiving_location_id, "receiving_location_id")
        location = await self.deps.inventory.location(location_id)
        if location is None:
            raise NotFound(
                f"no location with id {location_id!r}",
                reason="LOCATION_NOT_FOUND",
                field="receiving_location_id",
            )
        if not location.receives_returns:
            raise FailedPrecondition(
                f"{location.name} does not take returns",
                reason="LOCATION_TAKES_NO_RETURNS",
                field="receiving_location_id",
            )
        return_id = "ret_" + command.key_for("return")[:24]
        lines = rules.number_exchanges(lines, len(order.lines))
        exchanges = [line for line in lines if line.resolution == ReturnResolution.EXCHANGE]
        exchange_hold = f"res_{return_id}"
        if exchanges:
            try:
                await self.deps.inventory.reserve_order(
                    exchange_hold,
                    [
                        Placement(line.exchange_sku, line.quantity, location_id)
                        for line in exchanges
                    ],
                    channel=request.channel,
                    order_id=order.id,
                    customer_id=order.customer_id,
                )
            except StockShortage as shortage:
                raise FailedPrecondition(
                    f"{location.name} cannot hand over the exchange goods: {shortage}",
                    reason="EXCHANGE_OUT_OF_STOCK",
                    field="lines.exchange_sku",
                ) from None
        skus = {line.line_id: line.sku for line in order.lines}
        await self.deps.inventory.return_to_stock(
            location_id,
            [(skus[line.line_id], line.quantity, line.condition) for line in lines],
            key=return_id,
            order_id=order.id,
            return_id=return_id,
        )
        now = utcnow()
        refund = await self._refund(order, lines, return_id, request.note)
        if exchanges:
            await self.deps.inventory.commit(exchange_hold, [], key=return_id, reference=return_id)
        order_return = OrderReturn(
            id=return_id,
            order_id=order.id,
            lines=lines,
            receiving_location_id=location_id,
            channel=channel_ref(request.channel),
            status=ReturnStatus.REFUND_FAILED
            if refund is not None and refund.status == RefundStatus.FAILED
            else ReturnStatus.COMPLETED,
            refund_total=rules.refund_total(lines, order.totals.total.currency_code),
            refund_ids=[refund.id] if refund is not None else [],
            refund_tax_lines=rules.refund_taxes(lines),
            note=request.note,
            actor=actor(request.actor),
            created_at=now,
            updated_at=now,
        )
        rules.apply_return(order, order_return, refund, now=now)
        order.return_ids.append(return_id)
        specs: list[EventSpec] = [("return_received", {"order_return": order_return})]
        if refund is not None:
            payment_id = order.payments[0].id
            specs.append(("refund_recorded", {"payment_id": payment_id, "refund": refund}))

        events = next_version(order, *specs)

        async def write(session: AsyncClientSession) -> C.CreateReturnResponse:
            await self.deps.returns.insert(order_return, session)
            await self.deps.orders.write(session, order, events)
            return C.CreateReturnResponse(
                order_return=return_message(order_return), order=order_message(order)
            )

        return write

    async def _refund(
        self, order: Order, lines: list[ReturnLine], return_id: str, note: str
    ) -> Refund | None:
        amount = rules.refund_total(lines, order.totals.total.currency_code)
        if amount.amount_minor == 0:
            return None
        payment = order.payments[0]
        refund = Refund(
            id=f"rf_{return_id}",
            amount=amount,
            tax=total((tax.tax for tax in rules.refund_taxes(lines)), amount.currency_code),
            status=RefundStatus.SUCCEEDED,
            return_id=return_id,
            reason=note or "goods returned",
            created_at=utcnow(),
            completed_at=utcnow(),
        )
        # Cash is given back at the counter that takes the goods; a card payment by its
        # provider, or by staff in the provider's panel when its API cannot refund.
        if payment.method == PaymentMethod.ONLINE_CARD:
            await refund_payment(self.deps.payments, payment, refund)
        return refund
