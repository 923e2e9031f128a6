"""A customer's orders: checkout (once per Idempotency-Key), their orders from every channel,
and cancelling before fulfilment. Another customer's order is a 404."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import NotFoundException, ValidationException
from litestar.openapi.datastructures import ResponseSpec

from omni.order.v1 import order_pb2
from omni_gateway.context import channel_ref
from omni_gateway.downstream import actor_of
from omni_gateway.idempotency import idempotency_key
from omni_gateway.openapi import ID, Follow, links
from omni_gateway.security import dependencies as auth
from omni_gateway.security.principals import Channel, Principal
from omni_gateway.shop.carts import owned_cart
from omni_gateway.views.common import to_proto_money
from omni_gateway.views.delivery import to_proto_delivery
from omni_gateway.views.order import (
    Cancel,
    Checkout,
    Order,
    OrderPage,
    PageSize,
    order_page,
    order_view,
    payment_method_number,
    to_proto_units,
)

P = order_pb2


def _order_links(order_id: str) -> dict[str, Follow]:
    return {
        "GetOrder": Follow("GET /api/v1/orders/{order_id}", {"order_id": order_id}),
        "CancelOrder": Follow("POST /api/v1/orders/{order_id}/cancel", {"order_id": order_id}),
    }


async def _own_order(state: State, principal: Principal, order_id: str) -> P.Order:
    reply = await state.downstream.call(
        state.downstream.order.GetOrder, P.GetOrderRequest(order_id=order_id), idempotent=True
    )
    if reply.order.customer_id != principal.id:
        raise NotFoundException(f"no order {order_id!r}")
    return reply.order


class CustomerOrders(Controller):
    path = "/api/v1/orders"
    tags = ["orders"]
    dependencies = {"principal": Provide(auth.customer), "channel": Provide(auth.frontend_channel)}
    security = [{"bearerAuth": []}]

    @post(
        "",
        summary="Check out my cart (send an Idempotency-Key: a repeat is the same order)",
        status_code=201,
        responses={
            202: ResponseSpec(
                data_container=Order,
                generate_examples=False,
                description="Accepted, still pending (a slow payment, or a payment the customer "
                "completes at the provider: follow payments[0].next_action): poll the Location",
            )
        },
        opt=links(201, _order_links(ID)),
    )
    async def checkout(
        self,
        request: Request[Any, Any, Any],
        state: State,
        principal: Principal,
        channel: Channel,
        data: Checkout,
    ) -> Response[Order]:
        if idempotency_key(request) is None:
            raise ValidationException(
                "checkout needs an Idempotency-Key header",
                extra=[{"key": "Idempotency-Key", "message": "required"}],
            )
        await owned_cart(state, principal, data.cart_id)
        place = P.PlaceOrderRequest(
            cart_id=data.cart_id,
            delivery=to_proto_delivery(data.delivery),
            payment_method=payment_method_number(data.payment_method),
            payment_token=data.payment_token,
            expected_total=to_proto_money(data.expected_total),
            channel=channel_ref(channel),
            actor=actor_of(principal),
            note=data.note,
        )
        reply = await state.downstream.call(
            state.downstream.order.PlaceOrder, place, idempotent=False
        )
        if reply.order.status in (P.ORDER_STATUS_PENDING, P.ORDER_STATUS_ACTION_REQUIRED):
            # Still being placed (a slow payment provider, or the customer has to follow
            # payments[0].next_action at the provider): poll the order for the outcome.
            location = f"/api/v1/orders/{reply.order.id}"
            return Response(
                order_view(reply.order), status_code=202, headers={"Location": location}
            )
        return Response(order_view(reply.order), status_code=201)

    @get(
        "",
        summary="My orders from every channel, newest first",
        opt=links(200, _order_links("$response.body#/orders/0/id")),
    )
    async def mine(
        self, state: State, principal: Principal, page_size: PageSize = 50, page_token: str = ""
    ) -> OrderPage:
        ask = P.ListOrdersRequest(
            customer_id=principal.id, page_size=page_size, page_token=page_token
        )
        reply = await state.downstream.call(state.downstream.order.ListOrders, ask, idempotent=True)
        return order_page(reply)

    @get("/{order_id:str}", summary="An order of mine")
    async def order(self, state: State, principal: Principal, order_id: str) -> Order:
        return order_view(await _own_order(state, principal, order_id))

    @post(
        "/{order_id:str}/cancel",
        summary="Cancel my order (or some lines) before fulfilment",
        status_code=200,
    )
    async def cancel(
        self, state: State, principal: Principal, channel: Channel, order_id: str, data: Cancel
    ) -> Order:
        await _own_order(state, principal, order_id)
        cancel = P.CancelOrderRequest(
            order_id=order_id,
            lines=to_proto_units(data.lines),
            reason=P.CANCELLATION_REASON_CUSTOMER_REQUEST,
            note=data.note,
            actor=actor_of(principal),
            channel=channel_ref(channel),
        )
        reply = await state.downstream.call(
            state.downstream.order.CancelOrder, cancel, idempotent=True
        )
        return order_view(reply.order)
