"""ImportMarketplaceOrder: one order per partner order, or a clean refusal with nothing written.

An import is checked out like a cart: its lines' stock is held first (a short hold under an id
derived from the partner order, so a repeat shares it), then the order is written and its saga
turns the hold into the order's reservation. Stock that is not there refuses the import before
anything is written; a hold whose import died before its order was written lapses by itself."""

from __future__ import annotations

from grpc import aio
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from omni.order.v1 import order_pb2
from omni_kit.errors import Conflict, InvalidArgument
from omni_kit.idempotency import Work
from omni_kit.ids import new_id, utcnow
from omni_kit.protos import from_timestamp
from omni_order.api.checkout import require_pickup_store
from omni_order.api.deps import Deps, unchanged
from omni_order.domain import checkout as rules
from omni_order.domain.common import require
from omni_order.domain.orders import MarketplaceBuyer, Order, PaymentMethod
from omni_order.domain.values import Actor, ActorKind, ChannelRef, SalesChannel
from omni_order.events import order_event
from omni_order.messages import (
    actor,
    channel_message,
    from_message,
    money,
    order_message,
)
from omni_order.ports import StockShortage
from omni_order.saga import open_units

C = order_pb2


def import_hold_id(partner_key: str, generation: int) -> str:
    return f"hold_import{generation}_{partner_key}"


class ImportApi:
    deps: Deps

    async def ImportMarketplaceOrder(
        self, request: C.ImportMarketplaceOrderRequest, context: aio.ServicerContext
    ) -> C.ImportMarketplaceOrderResponse:
        partner_id = require(request.partner_id, "partner_id")
        require(request.partner_order_id, "partner_order_id")
        partner_key = f"{partner_id}:{request.partner_order_id}"
        holds: list[str] = []

        async def plan() -> Work[C.ImportMarketplaceOrderResponse]:
            if await self.deps.orders.find({"partner_key": partner_key}) is not None:
                # Imported meanwhile (a concurrent import of the same partner order).
                return unchanged(await self._imported_before(partner_key, *holds[-1:]))
            order = await self._imported_order(request, partner_id)
            if order.delivery.mode in rules.PICKUP_MODES:
                await require_pickup_store(self.deps.inventory, order.delivery.pickup_location_id)
            hold_id = await self._hold_stock(order, partner_key)
            if hold_id is None:
                return unchanged(await self._imported_before(partner_key))
            holds.append(hold_id)
            extra = {"partner_key": partner_key, "cart_holds": [hold_id]}
            await self.deps.orders.prepare(order)

            async def write(session: AsyncClientSession) -> C.ImportMarketplaceOrderResponse:
                await self.deps.orders.add(
                    session, order, [order_event("placed", order)], extra=extra
                )
                return C.ImportMarketplaceOrderResponse(order=order_message(order), created=True)

            return write

        async def run_saga(
            reply: C.ImportMarketplaceOrderResponse,
        ) -> C.ImportMarketplaceOrderResponse:
            if not reply.created:
                return reply
            order = await self._placed(reply.order.id)  # type: ignore[attr-defined]
            return C.ImportMarketplaceOrderResponse(order=order_message(order), created=True)

        try:
            return await self.deps.idempotency.run(
                context, request, C.ImportMarketplaceOrderResponse, plan, then=run_saga
            )
        except DuplicateKeyError:  # the same partner order, imported by a concurrent request
            return await self._imported_before(partner_key, *holds[-1:])

    async def _imported_order(
        self, request: C.ImportMarketplaceOrderRequest, partner_id: str
    ) -> Order:
        """The new order from the partner's lines at their prices; refuses unlisted SKUs."""
        if not request.lines:
            raise InvalidArgument("an imported order needs at least one line", field="lines")
        channel = ChannelRef(SalesChannel.MARKETPLACE, partner_id=partner_id)
        prices = await self.deps.catalog.prices(
            channel_message(channel), [line.sku for line in request.lines]
        )
        items = [from_message(line, rules.ImportLine) for line in request.lines]
        lines, currency = rules.lines_from_import(items, prices, partner_id)
        now = utcnow()
        choice = from_message(request.delivery, rules.DeliveryChoice)
        delivery = rules.delivery_for(choice, currency, now)
        if request.HasField("delivery_price"):
            delivery.price = money(request.delivery_price)
        placed_by = (
            actor(request.actor) if request.actor.kind else Actor(ActorKind.PARTNER, partner_id)
        )
        taxed = rules.taxable_order(lines, delivery)
        tax = await self.deps.taxes.quote(channel.channel, taxed, now)
        order = rules.new_order(
            order_id=new_id("ord"),
            payment_id=new_id("pay"),
            lines=lines,
            tax=tax,
            currency=currency,
            delivery=delivery,
            payment_method=PaymentMethod.MARKETPLACE,
            channel=channel,
            actor=placed_by,
            now=now,
            provider=partner_id,
        )
        order.partner_order_id = request.partner_order_id
        order.buyer = from_message(request.buyer, MarketplaceBuyer)
        if request.HasField("placed_at"):
            order.placed_at = from_timestamp(request.placed_at)
        return order

    async def _hold_stock(self, order: Order, partner_key: str) -> str | None:
        """The id of a hold on the order's stock (made now, or shared with a concurrent import of
        the same partner order); None when the order was imported meanwhile."""
        units = open_units(order)
        generation = 1
        while True:
            hold_id = import_hold_id(partner_key, generation)
            try:
                held = await self.deps.inventory.hold(
                    hold_id,
                    units,
                    channel=channel_message(order.channel),
                    seconds=self.deps.settings.import_hold_seconds,
                )
            except StockShortage as shortage:
                what = f"not enough stock for marketplace order {order.partner_order_id}"
                raise shortage.refusal(what) from None
            if held is not None:
                return hold_id
            # This id is spent (its order was written, or its import died and the hold lapsed)
            # or holds other lines of the same partner order: the order may be there already.
            if await self.deps.orders.find({"partner_key": partner_key}) is not None:
                return None
            generation += 1

    async def _imported_before(
        self, partner_key: str, hold_id: str = ""
    ) -> C.ImportMarketplaceOrderResponse:
        existing = await self.deps.orders.find({"partner_key": partner_key})
        if existing is None:
            raise Conflict("this order is being imported; retry", reason="CONCURRENT_CHANGE")
        used = (await self.deps.orders.checkout_inputs(existing.id)).cart_holds
        if hold_id and hold_id not in used:
            # Only the written order can use a hold of its partner order: this one is spare.
            await self.deps.inventory.release(hold_id, reason="the order was imported meanwhile")
        return C.ImportMarketplaceOrderResponse(order=order_message(existing), created=False)
