"""A marketplace's orders: importing one (once per partner_order_id) and reading its own; another
partner's order is a 404."""

from __future__ import annotations

from litestar import Controller, Response, get, post
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import NotFoundException
from litestar.openapi.datastructures import ResponseSpec

from omni.order.v1 import order_pb2
from omni_gateway.downstream import actor_of
from omni_gateway.openapi import ID, Follow, links
from omni_gateway.security import dependencies as auth
from omni_gateway.security.guards import scope
from omni_gateway.security.principals import Principal
from omni_gateway.views.common import to_proto_money
from omni_gateway.views.delivery import to_proto_delivery
from omni_gateway.views.order import (
    ImportedOrder,
    PageSize,
    PartnerOrder,
    PartnerOrderPage,
    partner_order_page,
    partner_order_view,
    to_proto_buyer,
    to_proto_import_lines,
)

P = order_pb2


def _get_order(order_id: str) -> dict[str, Follow]:
    return {"GetOrder": Follow("GET /partner/v1/orders/{order_id}", {"order_id": order_id})}


class PartnerOrders(Controller):
    path = "/partner/v1/orders"
    tags = ["partner orders"]
    dependencies = {"principal": Provide(auth.partner)}
    security = [{"apiKey": []}]

    @post(
        "",
        summary="Import a marketplace order (deduplicated by partner_order_id)",
        status_code=201,
        guards=[scope("orders:write")],
        responses={
            200: ResponseSpec(
                data_container=PartnerOrder,
                description="Imported before: the order as it is",
                generate_examples=False,
            )
        },
        opt=links(201, _get_order(ID)),
    )
    async def import_order(
        self, state: State, principal: Principal, data: ImportedOrder
    ) -> Response[PartnerOrder]:
        imported = P.ImportMarketplaceOrderRequest(
            partner_id=principal.partner_id,
            partner_order_id=data.partner_order_id,
            lines=to_proto_import_lines(data.lines),
            buyer=to_proto_buyer(data.buyer),
            delivery=to_proto_delivery(data.delivery),
            delivery_price=to_proto_money(data.delivery_price),
            actor=actor_of(principal),
        )
        reply = await state.downstream.call(
            state.downstream.order.ImportMarketplaceOrder, imported, idempotent=True
        )
        view = partner_order_view(reply.order)
        return Response(view, status_code=201 if reply.created else 200)

    @get(
        "",
        summary="My marketplace's orders, newest first",
        guards=[scope("orders:read")],
        opt=links(200, _get_order("$response.body#/orders/0/id")),
    )
    async def mine(
        self,
        state: State,
        principal: Principal,
        partner_order_id: str = "",
        page_size: PageSize = 50,
        page_token: str = "",
    ) -> PartnerOrderPage:
        ask = P.ListOrdersRequest(
            partner_id=principal.partner_id,
            partner_order_id=partner_order_id,
            page_size=page_size,
            page_token=page_token,
        )
        reply = await state.downstream.call(state.downstream.order.ListOrders, ask, idempotent=True)
        return partner_order_page(reply)

    @get("/{order_id:str}", summary="One of my marketplace's orders", guards=[scope("orders:read")])
    async def order(self, state: State, principal: Principal, order_id: str) -> PartnerOrder:
        reply = await state.downstream.call(
            state.downstream.order.GetOrder, P.GetOrderRequest(order_id=order_id), idempotent=True
        )
        if reply.order.channel.partner_id != principal.partner_id:
            raise NotFoundException(f"no order {order_id!r}")
        return partner_order_view(reply.order)
