"""The staff order list: find orders by number, customer, channel, status, store and date.

Admins and consultants see every order; associates and store managers see the orders of their
stores (placed there, picked up there or shipped from there) and are refused another store's.
Each filter combination is read from a compound index that ends in the sort (see the order
service's `OrderFilter`), so a page costs the same at any number of orders."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal

from google.protobuf.timestamp_pb2 import Timestamp
from litestar import Controller, get
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import PermissionDeniedException, ValidationException
from litestar.params import Parameter

from omni.common.v1 import common_pb2
from omni.order.v1 import order_pb2
from omni_gateway.context import SALES_CHANNELS
from omni_gateway.resources import list_page
from omni_gateway.security import dependencies as auth
from omni_gateway.security.principals import STORE_ROLES, Channel, Principal
from omni_kit.protos import to_timestamp

MAX_STORES = 20


class OrderStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    PAYMENT_FAILED = "payment_failed"
    CANCELLED = "cancelled"
    PARTIALLY_FULFILLED = "partially_fulfilled"
    FULFILLED = "fulfilled"
    READY_FOR_PICKUP = "ready_for_pickup"
    COLLECTED = "collected"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    PARTIALLY_RETURNED = "partially_returned"
    RETURNED = "returned"


StoreIds = Annotated[
    list[Annotated[str, Parameter(min_length=1, max_length=64)]] | None,
    Parameter(query="store_id", max_items=MAX_STORES),
]


def _stores(principal: Principal, asked: list[str]) -> list[str]:
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


class StaffOrderList(Controller):
    path = "/staff/v1/orders"
    tags = ["staff orders"]
    dependencies = {"principal": Provide(auth.staff)}
    security = [{"bearerAuth": []}]

    @get(
        "",
        summary="Find orders by number, customer, channel, status, store and date",
        description=(
            "Newest first (or oldest first from a start date), paged by `next_page_token`. "
            "Associates and store managers see only orders of their stores."
        ),
    )
    async def orders(
        self,
        state: State,
        principal: Principal,
        number: Annotated[str | None, Parameter(min_length=1, max_length=40)] = None,
        customer_id: Annotated[str | None, Parameter(min_length=1, max_length=100)] = None,
        channel: Channel | None = None,
        status: Annotated[list[OrderStatus] | None, Parameter(max_items=12)] = None,
        store_id: StoreIds = None,
        start: Annotated[date | None, Parameter(query="from")] = None,
        end: Annotated[date | None, Parameter(query="to")] = None,
        sort: Literal["newest", "oldest"] = "newest",
        page_size: Annotated[int, Parameter(ge=1, le=200)] = 50,
        page_token: Annotated[str, Parameter(max_length=512)] = "",
    ) -> dict[str, Any]:
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
        ask = order_pb2.ListOrdersRequest(
            page_size=page_size,
            page_token=page_token,
            customer_id=customer_id or "",
            statuses=[
                order_pb2.OrderStatus.Value(f"ORDER_STATUS_{s.upper()}") for s in status or []
            ],
            channel=SALES_CHANNELS[channel] if channel else 0,
            placed_time=placed if (start or end) else None,
            store_ids=_stores(principal, store_id or []),
            number=number or "",
            oldest_first=sort == "oldest",
        )
        reply = await state.downstream.call(state.downstream.order.ListOrders, ask, idempotent=True)
        return list_page(reply, "orders")


PUBLIC_ROUTES: list[Any] = [StaffOrderList]
PARTNER_ROUTES: list[Any] = []
