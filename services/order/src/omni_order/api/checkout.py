"""Checkout RPCs: delivery options and PlaceOrder (idempotent, runs the saga)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime

from grpc import aio
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import PyMongoError

from omni.common.v1 import common_pb2
from omni.order.v1 import order_pb2
from omni_kit import deadlines, faults
from omni_kit.errors import Conflict, FailedPrecondition, NotFound
from omni_kit.idempotency import Work, require_command
from omni_kit.ids import new_id, utcnow
from omni_kit.logs import get_logger
from omni_kit.telemetry import inject_headers
from omni_order.api.cart_vouchers import checkout_vouchers
from omni_order.api.carts import cart_channel
from omni_order.api.deps import Deps, channel_name
from omni_order.carriers.base import Parcel
from omni_order.carriers.options import carrier_options, parcel_of, priced_delivery
from omni_order.domain import carts as cart_rules
from omni_order.domain import checkout as rules
from omni_order.domain.carts import Cart, CartStatus
from omni_order.domain.common import Price, require
from omni_order.domain.orders import Address, Delivery, DeliveryMode, GeoPoint, Order, PaymentMethod
from omni_order.events import order_event
from omni_order.messages import (
    actor,
    channel_ref,
    from_message,
    member,
    money,
    order_message,
    to_message,
)
from omni_order.ports import Inventory, PickupStore, Placement
from omni_order.store.vouchers import VoucherHolds

C = order_pb2
log = get_logger("omni.order.checkout")
MAX_STORES = 5
# What the answer itself needs after the budget: reading the order and sending it back.
ANSWER_MARGIN_SECONDS = 0.5


class CheckoutApi:
    deps: Deps
    _sagas: set[asyncio.Future[Order]]

    async def GetDeliveryOptions(
        self, request: C.GetDeliveryOptionsRequest, context: aio.ServicerContext
    ) -> C.GetDeliveryOptionsResponse:
        cart = await self.deps.carts.get(require(request.cart_id, "cart_id"))
        rules.require_checkout(cart)
        channel = cart_channel(request.channel, cart)
        wanted = [Placement(line.sku, line.quantity) for line in cart.lines]
        skus = [line.sku for line in cart.lines]
        near = request.geo if request.HasField("geo") else None
        now = utcnow()
        own = await self._held(cart)
        options: list[C.DeliveryOption] = []
        home = Delivery(
            mode=rules.HOME,
            address=from_message(request.address, Address),
            geo=from_message(request.geo, GeoPoint),
        )
        # Ship-to-store draws on the same shipping locations as home delivery.
        ships = _covers(own, wanted) or bool(
            await self.deps.inventory.select_sources(wanted, home, channel)
        )
        if ships and not request.pickup_location_id:
            options.extend(
                await carrier_options(
                    self.deps.carriers,
                    request.address,
                    self._parcel(cart, await self.deps.catalog.prices(channel, skus)),
                    cart.currency_code,
                    now,
                )
            )
        stores = await self.deps.inventory.pickup_stores(
            wanted, channel, near, request.pickup_location_id, own
        )
        collect = rules.CLICK_AND_COLLECT
        for store in stores[:MAX_STORES]:
            options.append(_pickup(collect, store, cart.currency_code, now))
        if ships:
            with_stock = {store.location_id for store in stores}
            for store in await self._pickup_points(request.pickup_location_id, near):
                if store.location_id not in with_stock:
                    options.append(_pickup(rules.SHIP_TO_STORE, store, cart.currency_code, now))
        return C.GetDeliveryOptionsResponse(options=options)

    async def PlaceOrder(
        self, request: C.PlaceOrderRequest, context: aio.ServicerContext
    ) -> C.PlaceOrderResponse:
        command = require_command(context, request)
        # The checkout's voucher holds: the same ids on every try under this key and request.
        holds = VoucherHolds(command.key_for(f"vouchers|{command.fingerprint}"))

        async def run_saga(reply: C.PlaceOrderResponse) -> C.PlaceOrderResponse:
            faults.reach("order.after_order_insert")
            return C.PlaceOrderResponse(order=order_message(await self._placed(reply.order.id)))

        try:
            reply = await self.deps.idempotency.run(
                context,
                request,
                C.PlaceOrderResponse,
                lambda: self._check_out(request, holds),
                then=run_saga,
            )
        except BaseException:
            # Refused or failed after taking holds: give them back before answering (past the
            # call's deadline too). Holds its order confirmed stay.
            if holds.taken:
                await asyncio.shield(deadlines.outlive_call(self._give_back(holds.taken)))
            raise
        if reply.order.status in (C.ORDER_STATUS_PENDING, C.ORDER_STATUS_ACTION_REQUIRED):
            # The answer was given (and stored) before the outcome: a repeat under the same key
            # is the same order as it stands now, so a retrying client learns the outcome.
            return C.PlaceOrderResponse(
                order=order_message(await self.deps.orders.get(reply.order.id))
            )
        return reply

    async def _check_out(
        self, request: C.PlaceOrderRequest, holds: VoucherHolds
    ) -> Work[C.PlaceOrderResponse]:
        """Everything checkout can refuse, refused before anything is written but the holds on
        its vouchers (given back by the caller if the order is not written); then the write of
        the order, the cart's checkout, the holds' confirmation and `order.placed`."""
        cart = await self.deps.carts.get(require(request.cart_id, "cart_id"))
        _require_open_cart(cart)
        rules.require_checkout(cart)
        channel = cart_channel(request.channel, cart)
        skus = [line.sku for line in cart.lines]
        prices = await self.deps.catalog.prices(channel, skus, cart.currency_code)
        gone = cart_rules.show_current_prices(cart, prices)
        if gone:
            raise FailedPrecondition(
                f"no longer sold on the {channel_name(channel)} channel: {', '.join(gone)}; "
                "remove these lines",
                reason="PRODUCT_NOT_LISTED",
                field="cart_id",
                metadata={"skus": ",".join(gone)},
            )
        rules.require_checkout(cart)
        now = utcnow()
        choice = from_message(request.delivery, rules.DeliveryChoice)
        if choice.mode == rules.HOME:
            priced = await priced_delivery(
                self.deps.carriers,
                request.delivery,
                self._parcel(cart, prices),
                cart.currency_code,
                now,
            )
            delivery = from_message(priced, Delivery)
        else:
            delivery = rules.delivery_for(choice, cart.currency_code, now)
        if delivery.mode in rules.PICKUP_MODES:
            await require_pickup_store(self.deps.inventory, delivery.pickup_location_id)
        method = member(PaymentMethod, C.PaymentMethod.DESCRIPTOR, request.payment_method)
        provider = self.deps.payments.for_checkout(channel_ref(channel), method)
        rules.require_payment(
            method,
            request.payment_token,
            delivery.mode,
            needs_token=provider is not None and provider.needs_token,
        )
        await self._require_stock(cart, channel, delivery)
        vouchers = await checkout_vouchers(self.deps.vouchers, cart, channel, now)
        cart_rules.apply_discounts(cart, vouchers)
        order_id = new_id("ord")
        # A voucher used up meanwhile refuses the checkout here, before the order is written.
        held = [
            await holds.take(self.deps.vouchers, voucher, order_id, cart.customer_id, now)
            for voucher in vouchers
        ]
        lines = rules.lines_from_cart(cart)
        sold_on = channel_ref(channel).channel
        tax = await self.deps.taxes.quote(sold_on, rules.taxable_order(lines, delivery), now)
        order = rules.new_order(
            order_id=order_id,
            payment_id=new_id("pay"),
            lines=lines,
            tax=tax,
            currency=cart.currency_code,
            delivery=delivery,
            payment_method=method,
            channel=channel_ref(channel),
            actor=actor(request.actor),
            now=now,
            customer_id=cart.customer_id,
            cart_id=cart.id,
            provider=provider.name if provider is not None else "",
        )
        order.note = request.note
        order.voucher_codes = [voucher.code for voucher in vouchers]
        rules.require_expected_total(order, money(request.expected_total))
        cart.status = CartStatus.CHECKED_OUT
        cart.order_id = order.id
        cart.version += 1
        cart.updated_at = now
        extra = {
            "payment_token": request.payment_token,
            "cart_holds": [line.reservation_id for line in cart.lines if line.reservation_id],
            # A provider's callback, much later, is traced into the checkout's trace.
            "trace": inject_headers(),
        }

        await self.deps.orders.prepare(order)

        async def place(session: AsyncClientSession) -> C.PlaceOrderResponse:
            await self.deps.vouchers.confirm(held, order, now, session)
            await self.deps.carts.save(cart, session)
            await self.deps.orders.add(session, order, [order_event("placed", order)], extra=extra)
            return C.PlaceOrderResponse(order=order_message(order))

        return place

    async def _require_stock(
        self, cart: Cart, channel: common_pb2.ChannelRef, delivery: Delivery
    ) -> None:
        """Refuse a delivery that stock cannot cover now (counting the cart's own live holds):
        click & collect from the chosen store's shelves, anything else from anywhere."""
        wanted = [Placement(line.sku, line.quantity) for line in cart.lines]
        at = delivery.pickup_location_id if delivery.mode == rules.CLICK_AND_COLLECT else ""
        short = await self.deps.inventory.shortfalls(wanted, channel, at, await self._held(cart))
        if short:
            raise rules.stock_refusal(short)

    async def _give_back(self, hold_ids: list[str]) -> None:
        """Give back a failed checkout's voucher holds within the store budget. A hold that its
        checkout's own transaction still locks (cut short by a timeout, not yet aborted by the
        store) waits for that, so past the budget it is left to the sweeper."""
        try:
            with deadlines.store_deadline(self.deps.settings.store_budget_seconds):
                await self.deps.vouchers.give_back(hold_ids)
        except PyMongoError as error:
            log.warning("voucher_give_back_deferred", holds=hold_ids, error=str(error))

    async def _saga(self, order_id: str) -> Order:
        try:
            await self.deps.vouchers.settle(order_id)
        except PyMongoError as error:  # the sweeper settles it later
            log.warning("voucher_settle_failed", order_id=order_id, error=str(error))
        try:
            return await self.deps.saga.run(order_id)
        except Conflict:
            # Another runner moved it meanwhile (the resumer, after a crash left it): that one
            # carries it on, and a retried checkout gets the order as it stands, not a conflict.
            return await self.deps.orders.get(order_id)

    async def _placed(self, order_id: str) -> Order:
        """Run the saga, but answer within the caller's deadline: past the checkout budget the
        order is returned as it stands (PENDING) while its saga carries on."""
        saga = deadlines.outlive_call(self._saga(order_id))
        self._sagas.add(saga)
        saga.add_done_callback(self._sagas.discard)
        left = deadlines.remaining()
        budget = self.deps.settings.checkout_answer_seconds
        if left is not None:
            budget = min(budget, max(0.0, left - ANSWER_MARGIN_SECONDS))
        try:
            return await asyncio.wait_for(asyncio.shield(saga), budget)
        except TimeoutError:
            return await self.deps.orders.get(order_id)

    async def _pickup_points(
        self, location_id: str, near: common_pb2.GeoPoint | None
    ) -> list[PickupStore]:
        """The chosen pickup store, or the nearest ones."""
        if not location_id:
            return await self.deps.inventory.pickup_locations(near, MAX_STORES)
        chosen = await self.deps.inventory.location(location_id)
        if chosen is None or not chosen.active or not chosen.click_and_collect:
            return []
        return [PickupStore(chosen.id, chosen.name, 0.0)]

    def _parcel(self, cart: Cart, sizes: Mapping[str, Price]) -> Parcel:
        value = sum(line.unit_price.amount_minor * line.quantity for line in cart.lines)
        units = [(line.sku, line.quantity) for line in cart.lines]
        return parcel_of(units, sizes, self.deps.carriers.item_weight_grams, value)

    async def _held(self, cart: Cart) -> list[Placement]:
        """What the cart's own holds keep for it, where."""
        held: list[Placement] = []
        for line in cart.lines:
            if line.reservation_id:
                held.extend(await self.deps.inventory.reservation(line.reservation_id) or [])
        return held


async def require_pickup_store(inventory: Inventory, location_id: str) -> None:
    store = await inventory.location(location_id)
    if store is None:
        raise NotFound(
            f"no store with id {location_id!r}",
            reason="LOCATION_NOT_FOUND",
            field="delivery.pickup_location_id",
        )
    rules.require_pickup_store(store.name, store.click_and_collect, store.active)


def _pickup(
    mode: DeliveryMode, store: PickupStore, currency: str, now: datetime
) -> C.DeliveryOption:
    option = rules.pickup_option(
        mode, store.location_id, store.name, store.distance_km, currency, now
    )
    return to_message(option, C.DeliveryOption)


def _covers(held: list[Placement], wanted: list[Placement]) -> bool:
    units: dict[str, int] = {}
    for p in held:
        units[p.sku] = units.get(p.sku, 0) + p.quantity
    return all(units.get(p.sku, 0) >= p.quantity for p in wanted)


def _require_open_cart(cart: Cart) -> None:
    if cart.status == CartStatus.CHECKED_OUT:
        raise FailedPrecondition(
            f"cart {cart.id} was already checked out as order {cart.order_id}",
            reason="CART_CHECKED_OUT",
            field="cart_id",
        )
    cart_rules.require_active(cart)
