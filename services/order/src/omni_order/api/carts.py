"""Cart RPCs: one active cart per owner; lines priced from the listing and held in stock."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from google.protobuf.message import Message
from grpc import aio
from pymongo.asynchronous.client_session import AsyncClientSession

from omni.common.v1 import common_pb2
from omni.order.v1 import order_pb2
from omni_kit.errors import Conflict, FailedPrecondition, InvalidArgument, Unavailable
from omni_kit.idempotency import Command, Work
from omni_kit.ids import new_id, utcnow
from omni_order.api.cart_vouchers import carry_vouchers, usable_vouchers
from omni_order.api.deps import Deps, channel_name, chosen_channel, unchanged
from omni_order.domain import carts as rules
from omni_order.domain.carts import Cart, CartLine, CartStatus
from omni_order.domain.common import require, require_quantity
from omni_order.domain.values import ChannelRef, Money
from omni_order.messages import cart_message, channel_message, channel_ref
from omni_order.ports import Placement, StockShortage

C = order_pb2
R = TypeVar("R", bound=Message)


class CartApi:
    deps: Deps

    async def GetOrCreateCart(
        self, request: C.GetOrCreateCartRequest, context: aio.ServicerContext
    ) -> C.GetOrCreateCartResponse:
        owner_field, owner = rules.cart_owner(request.customer_id, request.anonymous_id)
        cart, created = await self._active_cart(
            owner_field, owner, channel_ref(request.channel), request.currency_code
        )
        return C.GetOrCreateCartResponse(
            cart=cart_message(await self._shown(cart)), created=created
        )

    async def GetCart(
        self, request: C.GetCartRequest, context: aio.ServicerContext
    ) -> C.GetCartResponse:
        cart = await self.deps.carts.get(require(request.cart_id, "cart_id"))
        return C.GetCartResponse(cart=cart_message(await self._shown(cart)))

    async def AddCartLine(
        self, request: C.AddCartLineRequest, context: aio.ServicerContext
    ) -> C.AddCartLineResponse:
        command = Command.of(context, request)
        return await self.deps.idempotency.run(
            context, request, C.AddCartLineResponse, lambda: self._add_line(request, command)
        )

    async def _add_line(
        self, request: C.AddCartLineRequest, command: Command | None
    ) -> Work[C.AddCartLineResponse]:
        require(request.cart_id, "cart_id")
        sku = require(request.sku, "sku")
        require_quantity(request.quantity, "quantity")
        cart = await self.deps.carts.get(request.cart_id)
        rules.require_active(cart, request.expected_version)
        channel = cart_channel(request.channel, cart)
        prices = await self.deps.catalog.prices(channel, [sku], cart.currency_code)
        price = rules.sellable_price(prices, sku, channel_name(channel), cart.currency_code)
        line = rules.find_line(cart, sku=sku)
        quantity = request.quantity + (line.quantity if line else 0)
        require_quantity(quantity, "quantity")
        new_line = line is None
        if line is None:
            line = CartLine(line_id=new_id("cl"), sku=sku)
        hold_id, expires = await self._hold(cart, line, quantity, channel, command)
        rules.set_line(
            cart,
            line,
            quantity=quantity,
            reservation_id=hold_id,
            hold_expires_at=expires,
            price=price if new_line else None,
            now=utcnow(),
        )
        return self._saving(cart, channel, C.AddCartLineResponse, new_hold=hold_id)

    async def UpdateCartLine(
        self, request: C.UpdateCartLineRequest, context: aio.ServicerContext
    ) -> C.UpdateCartLineResponse:
        command = Command.of(context, request)
        return await self.deps.idempotency.run(
            context, request, C.UpdateCartLineResponse, lambda: self._change_line(request, command)
        )

    async def _change_line(
        self, request: C.UpdateCartLineRequest, command: Command | None
    ) -> Work[C.UpdateCartLineResponse]:
        require(request.cart_id, "cart_id")
        require(request.line.line_id, "line.line_id")
        paths = list(request.update_mask.paths) or ["quantity"]
        if paths != ["quantity"]:
            raise InvalidArgument(
                "only quantity can be changed on a cart line", field="update_mask"
            )
        require_quantity(request.line.quantity, "line.quantity")
        cart = await self.deps.carts.get(request.cart_id)
        rules.require_active(cart, request.expected_version)
        line = rules.existing_line(cart, request.line.line_id)
        channel = cart_channel(request.channel, cart)
        if line.quantity == request.line.quantity:
            return unchanged(C.UpdateCartLineResponse(cart=cart_message(cart)))
        hold_id, expires = await self._hold(cart, line, request.line.quantity, channel, command)
        rules.set_line(
            cart,
            line,
            quantity=request.line.quantity,
            reservation_id=hold_id,
            hold_expires_at=expires,
            now=utcnow(),
        )
        return self._saving(cart, channel, C.UpdateCartLineResponse, new_hold=hold_id)

    async def RemoveCartLine(
        self, request: C.RemoveCartLineRequest, context: aio.ServicerContext
    ) -> C.RemoveCartLineResponse:
        removed: list[str] = []

        async def plan() -> Work[C.RemoveCartLineResponse]:
            cart = await self.deps.carts.get(require(request.cart_id, "cart_id"))
            require(request.line_id, "line_id")
            rules.require_active(cart, request.expected_version)
            line = rules.remove_line(cart, request.line_id)
            removed.extend([line.reservation_id] if line.reservation_id else [])
            channel = cart_channel(request.channel, cart)
            return self._saving(cart, channel, C.RemoveCartLineResponse)

        async def release(reply: C.RemoveCartLineResponse) -> C.RemoveCartLineResponse:
            for hold_id in removed:
                await self.deps.inventory.release(hold_id, reason="removed from cart")
            return reply

        return await self.deps.idempotency.run(
            context, request, C.RemoveCartLineResponse, plan, then=release
        )

    async def RepriceCart(
        self, request: C.RepriceCartRequest, context: aio.ServicerContext
    ) -> C.RepriceCartResponse:
        async def plan() -> Work[C.RepriceCartResponse]:
            cart = await self.deps.carts.get(require(request.cart_id, "cart_id"))
            rules.require_active(cart, request.expected_version)
            channel = cart_channel(request.channel, cart)
            skus = [line.sku for line in cart.lines]
            prices = await self.deps.catalog.prices(channel, skus, cart.currency_code)
            rules.accept_current_prices(cart, prices, utcnow())
            return self._saving(cart, channel, C.RepriceCartResponse)

        return await self.deps.idempotency.run(context, request, C.RepriceCartResponse, plan)

    async def MergeCarts(
        self, request: C.MergeCartsRequest, context: aio.ServicerContext
    ) -> C.MergeCartsResponse:
        new_holds: list[str] = []
        command = Command.of(context, request)
        try:
            return await self.deps.idempotency.run(
                context,
                request,
                C.MergeCartsResponse,
                lambda: self._merge(request, command, new_holds),
            )
        except Conflict:
            for hold_id in new_holds:
                await self.deps.inventory.release(hold_id, reason="cart merge retried")
            raise

    async def _merge(
        self, request: C.MergeCartsRequest, command: Command | None, new_holds: list[str]
    ) -> Work[C.MergeCartsResponse]:
        source = await self.deps.carts.get(require(request.source_cart_id, "source_cart_id"))
        customer_id = require(request.customer_id, "customer_id")
        if source.customer_id == customer_id:
            return unchanged(C.MergeCartsResponse(cart=cart_message(source)))
        if source.customer_id:
            raise FailedPrecondition(
                f"cart {source.id} belongs to another customer",
                reason="CART_OF_ANOTHER_CUSTOMER",
                field="source_cart_id",
            )
        if source.status == CartStatus.MERGED and source.merged_into_cart_id:
            target = await self.deps.carts.get(source.merged_into_cart_id)
            if target.customer_id == customer_id:
                return unchanged(C.MergeCartsResponse(cart=cart_message(target)))
        rules.require_active(source)
        channel = cart_channel(request.channel, source)
        target, _ = await self._active_cart(
            "customer_id", customer_id, channel_ref(channel), source.currency_code
        )
        for moved, same_sku in rules.merge_plan(target, source):
            if same_sku is None:
                target.lines.append(dataclasses.replace(moved))
                continue
            quantity = same_sku.quantity + moved.quantity
            hold_id, expires = await self._hold(
                target, same_sku, quantity, channel, command, also=[moved]
            )
            new_holds.append(hold_id)
            rules.set_line(
                target,
                same_sku,
                quantity=quantity,
                reservation_id=hold_id,
                hold_expires_at=expires,
                now=utcnow(),
            )
        rules.recompute(target)
        await carry_vouchers(self.deps.vouchers, target, source, channel, utcnow())
        await self._tax(target)
        source.status = CartStatus.MERGED
        source.merged_into_cart_id = target.id
        self._touch(target, channel)
        self._touch(source, channel)

        async def both(session: AsyncClientSession) -> C.MergeCartsResponse:
            await self.deps.carts.save(target, session)
            await self.deps.carts.save(source, session)
            return C.MergeCartsResponse(cart=cart_message(target))

        return both

    async def _active_cart(
        self,
        owner_field: str,
        owner: str,
        channel: ChannelRef,
        currency_code: str,
    ) -> tuple[Cart, bool]:
        existing = await self.deps.carts.find_active(owner_field, owner)
        if existing is not None:
            return existing, False
        sold = await self.deps.catalog.currencies(channel_message(channel))
        currency = rules.cart_currency(currency_code, sold)
        now = utcnow()
        cart = Cart(
            id=new_id("cart"),
            version=1,
            status=CartStatus.ACTIVE,
            channel=channel,
            currency_code=currency,
            subtotal=Money(0, currency),
            created_at=now,
            updated_at=now,
            expires_at=rules.cart_expiry(now),
        )
        setattr(cart, owner_field, owner)
        if await self.deps.carts.insert_active(cart):
            return cart, True
        winner = await self.deps.carts.find_active(owner_field, owner)
        if winner is None:
            raise Conflict("the cart changed meanwhile; try again", reason="CONCURRENT_CHANGE")
        return winner, False

    async def _hold(
        self,
        cart: Cart,
        line: CartLine,
        quantity: int,
        channel: common_pb2.ChannelRef,
        command: Command | None,
        also: list[CartLine] | None = None,
    ) -> tuple[str, datetime | None]:
        """A new stock hold for the line's whole quantity, replacing its previous ones at once.

        Under a key its id derives from the key and the cart version read: a retry after a crash
        that came between the hold and the cart's save finds that hold instead of taking a
        second one, and a retry after the cart moved on takes a fresh one."""
        hold_id = (
            "hold_" + command.key_for(f"hold:{cart.id}:{cart.version}:{line.sku}")[:32]
            if command
            else new_id("hold")
        )
        replaced = [other.reservation_id for other in [line, *(also or [])] if other.reservation_id]
        try:
            expires = await self.deps.inventory.hold(
                hold_id,
                [Placement(line.sku, quantity)],
                channel=channel,
                cart_id=cart.id,
                customer_id=cart.customer_id,
                replaces=replaced,
            )
        except StockShortage as shortage:
            what = f"not enough stock of {line.sku} for {quantity} units"
            raise shortage.refusal(what, field="quantity") from None
        return hold_id, expires

    def _touch(self, cart: Cart, channel: common_pb2.ChannelRef) -> None:
        cart.version += 1
        cart.channel = channel_ref(channel)
        cart.updated_at = utcnow()

    def _saving(
        self,
        cart: Cart,
        channel: common_pb2.ChannelRef,
        response_type: Callable[..., R],
        new_hold: str = "",
    ) -> Work[R]:
        """The write of the cart's next version, answering `response_type(cart=...)`; a cart
        changed meanwhile gives back the hold this change took (refused as a conflict)."""
        self._touch(cart, channel)

        async def write(session: AsyncClientSession) -> R:
            await self._tax(cart)
            try:
                await self.deps.carts.save(cart, session)
            except Conflict:
                if new_hold:
                    await self.deps.inventory.release(new_hold, reason="cart changed meanwhile")
                raise
            return response_type(cart=cart_message(cart))

        return write

    async def _tax(self, cart: Cart) -> None:
        """The lines' discounts from the cart's vouchers, then their tax at the rates in force
        now for the cart's channel (one quote)."""
        now = utcnow()
        channel = channel_message(cart.channel)
        rules.apply_discounts(cart, await usable_vouchers(self.deps.vouchers, cart, channel, now))
        lines = rules.taxable_lines(cart)
        quote = await self.deps.taxes.quote(cart.channel.channel, lines, utcnow())
        rules.apply_tax(cart, quote)

    async def _shown(self, cart: Cart) -> Cart:
        """The cart with each line's current listing price (a changed price is shown, not
        applied); the stored cart when the catalog cannot be asked right now."""
        if not cart.lines or cart.status != CartStatus.ACTIVE:
            return cart
        try:
            prices = await self.deps.catalog.prices(
                channel_message(cart.channel),
                [line.sku for line in cart.lines],
                cart.currency_code,
            )
        except Unavailable:
            return cart
        rules.show_current_prices(cart, prices)
        await self._tax(cart)
        return cart


def cart_channel(given: common_pb2.ChannelRef, cart: Cart) -> common_pb2.ChannelRef:
    """The request's channel, else the cart's."""
    return chosen_channel(given, channel_message(cart.channel))
