"""Order routes: carts, checkout and orders for every audience.
Every object is checked against the caller, not just the route (OWASP API1)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import NotFoundException

from omni.common.v1 import common_pb2
from omni.order.v1 import order_pb2
from omni_gateway.context import SALES_CHANNELS
from omni_gateway.resources import as_json
from omni_gateway.security import dependencies as auth
from omni_gateway.security.principals import Channel, Kind, Principal


class Carts(Controller):
    path = "/api/v1/carts"
    tags = ["cart"]
    dependencies = {"principal": Provide(auth.visitor), "channel": Provide(auth.frontend_channel)}
    security = [{"bearerAuth": []}]

    @get("/current", summary="My cart: the same on every device and channel")
    async def current(self, state: State, principal: Principal, channel: Channel) -> dict[str, Any]:
        request = order_pb2.GetOrCreateCartRequest(
            channel=common_pb2.ChannelRef(channel=SALES_CHANNELS[channel])
        )
        if principal.kind is Kind.CUSTOMER:
            request.customer_id = principal.id
        else:
            request.anonymous_id = principal.id
        reply = await state.downstream.call(
            state.downstream.order.GetOrCreateCart, request, idempotent=True
        )
        return as_json(reply.cart)

    @get("/{cart_id:str}", summary="A cart of mine")
    async def cart(self, state: State, principal: Principal, cart_id: str) -> dict[str, Any]:
        reply = await state.downstream.call(
            state.downstream.order.GetCart,
            order_pb2.GetCartRequest(cart_id=cart_id),
            idempotent=True,
        )
        owner = reply.cart.customer_id or reply.cart.anonymous_id
        if owner != principal.id:
            # Not 403: whether someone else's cart exists is not the caller's business.
            raise NotFoundException(f"no cart {cart_id!r}")
        return as_json(reply.cart)


PUBLIC_ROUTES: list[Any] = [Carts]
PARTNER_ROUTES: list[Any] = []
