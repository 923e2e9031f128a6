"""Staff reading orders: the order list (by number, customer, channel, status, store and date),
one order with its history, a customer's orders across channels, a store's pickups.

Admins and consultants see every order; associates and store managers list the orders of their
stores (placed there, picked up there or shipped from there) and are refused another store's
list. Anyone on the staff opens one order by its id: a store takes back an order from any
channel and any store, so the customer's receipt is enough to find it.
Each filter combination of the list is read from a compound index that ends in the sort (see the
order service's `OrderFilter`), so a page costs the same at any number of orders."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Literal

from google.protobuf.timestamp_pb2 import Timestamp
from litestar import Controller, get
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import PermissionDeniedException, ValidationException
from litestar.params import Parameter

from omni.common.v1 import common_pb2
from omni.order.v1 import order_pb2
from omni_gateway.context import SALES_CHANNELS
from omni_gateway.openapi import ID, Follow, links
from omni_gateway.security import dependencies as auth
from omni_gateway.security.guards import store_in_path
from omni_gateway.security.principals import STORE_ROLES, Channel, Principal
from omni_gateway.views.order import (
    ORDER_STATUS,
    OrderStatus,
    PageSize,
    StaffOrder,
    StaffOrderPage,
    staff_order_page,
    staff_order_view,
)
from omni_kit.protos import to_timestamp

P = order_pb2
MAX_STORES = 20
AWAITING_PICKUP = [
    P.ORDER_STATUS_CONFIRMED,
    P.ORDER_STATUS_PARTIALLY_FULFILLED,
    P.ORDER_STATUS_FULFILLED,
    P.ORDER_STATUS_READY_FOR_PICKUP,
]
FIRST_ORDER = {"order_id": "$response.body#/orders/0/id"}

StoreIds = Annotated[
    list[Annotated[str, Parameter(min_length=1, max_length=64)]] | None,
    Parameter(query="store_id", max_items=MAX_STORES),
]


def stores_in_scope(principal: Principal, asked: list[str]) -> list[str]:
    """The stores a list may cover: a store role only its own (all of them if none asked)."""
    if principal.role not in STORE_ROLES:
        return asked
    if not principal.store_ids:
        raise PermissionDeniedException("this account is not assigned to a store")
    foreign = sorted(set(asked) - principal.store_ids)
    if foreign:
        raise PermissionDeniedException(f"not your store: {', '.join(foreign)}")
    return asked or sorted(principal.store_ids)


def _day_start(day: date) -> Timestamp:
    return to_timestamp(datetime.combine(day, time(), UTC)) or Timestamp()


async def staff_order(state: State, order_id: str) -> P.Order:
    reply = await state.downstream.call(
        state.downstream.order.GetOrder, P.GetOrderRequest(order_id=order_id), idempotent=True
    )
    return reply.order


async def _page(state: State, ask: P.ListOrdersRequest) -> StaffOrderPage:
    reply = await state.downstream.call(state.downstream.order.ListOrders, ask, idempotent=True)
    return staff_order_page(reply)


async def store_pickups(
    state: State, store_id: str, page_size: int, page_token: str = ""
) -> StaffOrderPage:
    """Orders to be picked up at the store, not collected yet (the caller's store checked)."""
    ask = P.ListOrdersRequest(
        pickup_location_id=store_id,
        statuses=AWAITING_PICKUP,
        page_size=page_size,
        page_token=page_token,
    )
    return await _page(state, ask)


class StaffOrderReads(Controller):
    path = "/staff/v1"
    tags = ["staff orders"]
    dependencies = {"principal": Provide(auth.staff)}
    security = [{"bearerAuth": []}]

    @get(
        "/orders",
        summary="Find orders by number, customer, channel, status, store and date",
        description=(
            "Newest first (or oldest first from a start date), paged by `next_page_token`. "
            "Associates and store managers see only orders of their stores."
        ),
        opt=links(200, {"GetOrder": Follow("GET /staff/v1/orders/{order_id}", FIRST_ORDER)}),
    )
    async def orders(
        self,
        state: State,
        principal: Principal,
        number: Annotated[str | None, Parameter(min_length=1, max_length=40)] = None,
        customer_id: Annotated[str | None, Parameter(min_length=1, max_length=100)] = None,
        channel: Channel | None = None,
        status: Annotated[list[OrderStatus] | None, Parameter(max_items=len(OrderStatus))] = None,
        store_id: StoreIds = None,
        start: Annotated[date | None, Parameter(query="from")] = None,
        end: Annotated[date | None, Parameter(query="to")] = None,
        sort: Literal["newest", "oldest"] = "newest",
        page_size: PageSize = 50,
        page_token: Annotated[str, Parameter(max_length=512)] = "",
    ) -> StaffOrderPage:
        if start and end and end < start:
            raise ValidationException(
                "the range ends before it starts",
                extra=[{"key": "to", "message": "before from"}],
            )
        if sort == "oldest" and start is None:
            raise ValidationException(
                "oldest first needs a start date",
                extra=[{"key": "from", "message": "required when sort=oldest"}],
            )
        placed = common_pb2.TimeRange()
        if start:
            placed.start_time.CopyFrom(_day_start(start))
        if end:
            placed.end_time.CopyFrom(_day_start(end + timedelta(days=1)))
        ask = P.ListOrdersRequest(
            page_size=page_size,
            page_token=page_token,
            customer_id=customer_id or "",
            statuses=[ORDER_STATUS.number(member) for member in status or []],
            channel=SALES_CHANNELS[channel] if channel else common_pb2.SALES_CHANNEL_UNSPECIFIED,
            placed_time=placed if (start or end) else None,
            store_ids=stores_in_scope(principal, store_id or []),
            number=number or "",
            oldest_first=sort == "oldest",
        )
        return await _page(state, ask)

    @get(
        "/orders/{order_id:str}",
        summary="Any order, with its history",
        opt=links(
            200,
            {
                "ReadyForPickup": Follow(
                    "POST /staff/v1/orders/{order_id}/ready-for-pickup", {"order_id": ID}
                ),
                "Collected": Follow("POST /staff/v1/orders/{order_id}/collected", {"order_id": ID}),
                "Cancel": Follow("POST /staff/v1/orders/{order_id}/cancel", {"order_id": ID}),
                "TakeBack": Follow("POST /staff/v1/orders/{order_id}/returns", {"order_id": ID}),
                "Ship": Follow(
                    "POST /staff/v1/orders/{order_id}/shipments",
                    {"order_id": ID},
                    body={"source_location_id": "$response.body#/lines/0/source_location_ids/0"},
                ),
            },
        ),
    )
    async def order(self, state: State, principal: Principal, order_id: str) -> StaffOrder:
        return staff_order_view(await staff_order(state, order_id))

    @get(
        "/stores/{store_id:str}/pickups",
        summary="Orders to be picked up at my store",
        guards=[store_in_path()],
    )
    async def pickups(
        self,
        state: State,
        principal: Principal,
        store_id: str,
        page_size: PageSize = 50,
        page_token: str = "",
    ) -> StaffOrderPage:
        return await store_pickups(state, store_id, page_size, page_token)

    @get(
        "/customers/{customer_id:str}/orders",
        summary="A customer's orders across channels",
        opt=links(200, {"GetOrder": Follow("GET /staff/v1/orders/{order_id}", FIRST_ORDER)}),
    )
    async def customer_orders(
        self,
        state: State,
        principal: Principal,
        customer_id: str,
        page_size: PageSize = 50,
        page_token: str = "",
    ) -> StaffOrderPage:
        ask = P.ListOrdersRequest(
            customer_id=customer_id, page_size=page_size, page_token=page_token
        )
        return await _page(state, ask)
