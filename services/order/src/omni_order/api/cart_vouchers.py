"""Voucher codes on a cart: applied and removed by the shopper, checked again at checkout."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

from google.protobuf.message import Message
from grpc import aio

from omni.common.v1 import common_pb2
from omni.order.v1 import order_pb2
from omni_kit.errors import DomainError, NotFound
from omni_kit.idempotency import Work
from omni_kit.ids import utcnow
from omni_order.api.deps import Deps, chosen_channel, unchanged
from omni_order.domain import carts as rules
from omni_order.domain import vouchers as voucher_rules
from omni_order.domain.carts import Cart
from omni_order.domain.common import require
from omni_order.domain.vouchers import Voucher
from omni_order.messages import cart_message, channel_message, channel_ref
from omni_order.store.vouchers import VoucherStore

C = order_pb2
R = TypeVar("R", bound=Message)


async def usable_vouchers(
    store: VoucherStore, cart: Cart, channel: common_pb2.ChannelRef, now: datetime
) -> list[Voucher]:
    """The cart's vouchers that it may use now, in the order applied (one it may not use takes
    nothing off the cart; checkout refuses it with the reason)."""
    chosen: list[Voucher] = []
    for code in cart.voucher_codes:
        try:
            voucher = await store.by_code(code)
            _require_for(voucher, cart, channel, now, chosen)
        except DomainError:
            continue
        chosen.append(voucher)
    return chosen


async def checkout_vouchers(
    store: VoucherStore, cart: Cart, channel: common_pb2.ChannelRef, now: datetime
) -> list[Voucher]:
    """The cart's vouchers, each checked again now; one it may no longer use is refused."""
    chosen: list[Voucher] = []
    for code in cart.voucher_codes:
        voucher = await store.by_code(code)
        _require_for(voucher, cart, channel, now, chosen)
        chosen.append(voucher)
    return chosen


async def carry_vouchers(
    store: VoucherStore, target: Cart, source: Cart, channel: common_pb2.ChannelRef, now: datetime
) -> None:
    """Add to `target` (a cart another was merged into, lines already moved) the source cart's
    codes it may use beside its own; one it may not (not combinable with them, say) is left out,
    as applying it there would have been refused."""
    chosen = await usable_vouchers(store, target, channel, now)
    for code in source.voucher_codes:
        if code in target.voucher_codes:
            continue
        try:
            voucher = await store.by_code(code)
            _require_for(voucher, target, channel, now, chosen)
        except DomainError:
            continue
        target.voucher_codes.append(code)
        chosen.append(voucher)


def _require_for(
    voucher: Voucher,
    cart: Cart,
    channel: common_pb2.ChannelRef,
    now: datetime,
    others: list[Voucher],
) -> None:
    voucher_rules.require_usable(
        voucher,
        channel=channel_ref(channel).channel,
        currency=cart.currency_code,
        goods=rules.goods_amount(cart),
        now=now,
        others=others,
    )
    lines = rules.discount_lines(cart)
    if not any(voucher_rules.targets(voucher, line) for line in lines):
        raise voucher_rules.refusal(
            voucher.code, "applies to none of the cart's products", "VOUCHER_NOT_APPLICABLE"
        )


class CartVoucherApi:
    deps: Deps

    if TYPE_CHECKING:  # CartApi's, beside it in OrderApi

        def _saving(
            self, cart: Cart, channel: common_pb2.ChannelRef, response_type: Callable[..., R]
        ) -> Work[R]: ...

    async def ApplyCartVoucher(
        self, request: C.ApplyCartVoucherRequest, context: aio.ServicerContext
    ) -> C.ApplyCartVoucherResponse:
        async def plan() -> Work[C.ApplyCartVoucherResponse]:
            cart, code = await self._cart_and_code(request)
            if code in cart.voucher_codes:
                return unchanged(C.ApplyCartVoucherResponse(cart=cart_message(cart)))
            channel = _channel(request.channel, cart)
            voucher = await self.deps.vouchers.by_code(code)
            others = await self.deps.vouchers.by_codes(cart.voucher_codes)
            _require_for(voucher, cart, channel, utcnow(), others)
            await self._require_customer_uses(voucher, cart)
            cart.voucher_codes.append(code)
            return self._saving(cart, channel, C.ApplyCartVoucherResponse)

        return await self.deps.idempotency.run(context, request, C.ApplyCartVoucherResponse, plan)

    async def RemoveCartVoucher(
        self, request: C.RemoveCartVoucherRequest, context: aio.ServicerContext
    ) -> C.RemoveCartVoucherResponse:
        async def plan() -> Work[C.RemoveCartVoucherResponse]:
            cart, code = await self._cart_and_code(request)
            if code not in cart.voucher_codes:
                raise NotFound(
                    f"voucher {code} is not on cart {cart.id}",
                    reason="VOUCHER_NOT_ON_CART",
                    field="code",
                )
            cart.voucher_codes.remove(code)
            return self._saving(cart, _channel(request.channel, cart), C.RemoveCartVoucherResponse)

        return await self.deps.idempotency.run(context, request, C.RemoveCartVoucherResponse, plan)

    async def _cart_and_code(
        self, request: C.ApplyCartVoucherRequest | C.RemoveCartVoucherRequest
    ) -> tuple[Cart, str]:
        """The active cart (at the version the caller read, if given) and the code, normalised."""
        cart = await self.deps.carts.get(require(request.cart_id, "cart_id"))
        code = voucher_rules.normal_code(require(request.code, "code"))
        rules.require_active(cart, request.expected_version)
        return cart, code

    async def _require_customer_uses(self, voucher: Voucher, cart: Cart) -> None:
        limit = voucher.usage_limit_per_customer
        if not limit:
            return
        if not cart.customer_id:
            raise voucher_rules.needs_customer_refusal(voucher)
        if await self.deps.vouchers.customer_uses(voucher.id, cart.customer_id) >= limit:
            raise voucher_rules.customer_limit_refusal(voucher)


def _channel(given: common_pb2.ChannelRef, cart: Cart) -> common_pb2.ChannelRef:
    return chosen_channel(given, channel_message(cart.channel))
