"""The store associate's pickup board: the orders to be picked up at a store (waiting for their
goods, ready, past their deadline) with the customer's preferred contact, and what the counter
does with them: mark ready (a ship-to-store parcel received is the same step), hand over against
the pickup code, cancel a no-show. Each action is the staff API's own (staff/fulfilment.py), so
the console refuses exactly what the API refuses, in its words, next to the field it names."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import grpc
import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import (
    ClientException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
)
from litestar.response import Redirect, Template

from omni.inventory.v1.inventory_pb2 import GetStockLocationRequest, StockLocation
from omni_gateway import profiles
from omni_gateway.console.labels import N_
from omni_gateway.console.render import store_page, translate
from omni_gateway.console.session import PATH
from omni_gateway.security import dependencies as auth
from omni_gateway.security.principals import Channel, Principal
from omni_gateway.staff.fulfilment import cancel_order, mark_collected, mark_ready, pickup_store
from omni_gateway.staff.orders import store_pickups
from omni_gateway.views.delivery import DeliveryMode
from omni_gateway.views.fulfilment import Collection
from omni_gateway.views.order import Cancel, OrderStatus, StaffOrder
from omni_gateway.views.profile import IdentityKind, StaffProfile, staff_profile_view
from omni_kit.errors import error_details
from omni_kit.ids import new_id

BOARD_SIZE = 100
DONE = {
    "ready": N_("Order %(number)s is ready; the customer has been told."),
    "handover": N_("Order %(number)s handed over."),
    "no-show": N_("Order %(number)s cancelled as not collected; its goods are back in stock."),
}
REFUSALS = (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.FAILED_PRECONDITION)
NO_SHOW_NOTE = "not collected by the customer"
# The identity a preferred contact channel reaches.
REACHED_BY = {
    "email": IdentityKind.EMAIL,
    "sms": IdentityKind.PHONE,
    "phone_call": IdentityKind.PHONE,
    "messenger": IdentityKind.PHONE,
}


@dataclass
class Contact:
    name: str = ""
    channel: str = ""  # the customer's preferred channel, empty when none is chosen
    value: str = ""  # the address or number it reaches


@dataclass
class Pickup:
    order: StaffOrder
    contact: Contact
    ship_to_store: bool
    key: str = field(default_factory=lambda: new_id("pickup"))


@dataclass
class Board:
    ready: list[Pickup] = field(default_factory=list)
    waiting: list[Pickup] = field(default_factory=list)
    overdue: list[Pickup] = field(default_factory=list)
    more: bool = False


def contact_of(profile: StaffProfile) -> Contact:
    channel = profile.preferences.preferred_channel
    wanted = REACHED_BY.get(channel.value if channel else "", IdentityKind.PHONE)
    reached = [i.value for i in profile.identities if i.kind is wanted]
    fallback = [
        i.value for i in profile.identities if i.kind in (IdentityKind.PHONE, IdentityKind.EMAIL)
    ]
    return Contact(
        name=profile.display_name or "",
        channel=channel.value if channel else "",
        value=(reached or fallback or [""])[0],
    )


async def _contacts(state: State, customer_ids: set[str]) -> dict[str, Contact]:
    """Each customer's preferred contact; a profile that cannot be read shows none."""
    ids = sorted(customer_ids)
    found = await asyncio.gather(
        *(profiles.surviving(state, customer_id) for customer_id in ids), return_exceptions=True
    )
    return {
        customer_id: contact_of(staff_profile_view(profile))
        for customer_id, profile in zip(ids, found, strict=True)
        if not isinstance(profile, BaseException)
    }


async def board(state: State, store_id: str) -> Board:
    listed = await store_pickups(state, store_id, BOARD_SIZE)
    contacts = await _contacts(state, {o.customer_id for o in listed.orders if o.customer_id})
    now = datetime.now(UTC)
    sorted_out = Board(more=bool(listed.next_page_token))
    for order in listed.orders:
        pickup = Pickup(
            order=order,
            contact=contacts.get(order.customer_id or "", Contact()),
            ship_to_store=bool(
                order.delivery and order.delivery.mode is DeliveryMode.SHIP_TO_STORE
            ),
        )
        if order.status is not OrderStatus.READY_FOR_PICKUP:
            sorted_out.waiting.append(pickup)
        elif order.pickup and order.pickup.deadline and order.pickup.deadline < now:
            sorted_out.overdue.append(pickup)
        else:
            sorted_out.ready.append(pickup)
    sorted_out.ready.sort(key=lambda p: (p.order.pickup and p.order.pickup.deadline) or now)
    return sorted_out


async def store_of(state: State, store_id: str) -> StockLocation:
    reply = await state.downstream.call(
        state.downstream.inventory.GetStockLocation,
        GetStockLocationRequest(location_id=store_id),
        idempotent=True,
    )
    return reply.location


async def no_show(state: State, principal: Principal, order_id: str) -> StaffOrder:
    """A customer who did not come: the order is cancelled (by those who may cancel, at the
    order's own pickup store), and what it held goes back to the store's stock."""
    await pickup_store(state, principal, order_id)
    return await cancel_order(state, principal, Channel.POS, order_id, Cancel(note=NO_SHOW_NOTE))


class ConsolePickups(Controller):
    path = PATH
    include_in_schema = False
    dependencies = {"principal": Provide(auth.staff)}

    @get("/pickups")
    async def mine(self, principal: Principal) -> Redirect:
        """The board of the member's first store (staff without a store pick one by its id)."""
        if not principal.store_ids:
            raise PermissionDeniedException("this account is not assigned to a store")
        return Redirect(f"{PATH}/stores/{sorted(principal.store_ids)[0]}/pickups", status_code=303)

    @get("/stores/{store_id:str}/pickups")
    async def show(
        self, request: Request[Any, Any, Any], state: State, principal: Principal, store_id: str
    ) -> Template:
        auth.require_store(principal, store_id)  # what the API's store guard checks
        return await self._board(request, state, principal, store_id)

    @post("/stores/{store_id:str}/pickups/{order_id:str}/{step:str}")
    async def act(
        self,
        request: Request[Any, Any, Any],
        state: State,
        principal: Principal,
        store_id: str,
        order_id: str,
        step: str,
    ) -> Template:
        """One step at the counter; the board again, with what happened or the refusal (the
        API's words at the field it names, the code tried shown with it)."""
        if step not in DONE:
            raise NotFoundException(f"no step {step!r} for a pickup")
        auth.require_store(principal, store_id)
        attempt = ""
        try:
            if step == "ready":
                order = await mark_ready(state, principal, Channel.POS, order_id)
            elif step == "no-show":
                order = await no_show(state, principal, order_id)
            else:
                attempt = str((await request.form()).get("pickup_code", "")).strip()
                code = msgspec.convert({"pickup_code": attempt}, Collection)
                order = await mark_collected(state, principal, Channel.POS, order_id, code)
        except msgspec.ValidationError as error:
            refusal = {"pickup_code": str(error)}
        except grpc.aio.AioRpcError as error:
            details = error_details(error)
            if details.code not in REFUSALS:
                raise
            refusal = {details.field if details.field == "pickup_code" else "form": details.message}
        except NotAuthorizedException:
            raise
        except ClientException as error:  # a role or a store the API refuses
            refusal = {"form": error.detail}
        else:
            notice = translate(request, DONE[step]) % {"number": order.number}
            return await self._board(request, state, principal, store_id, notice=notice)
        return await self._board(
            request,
            state,
            principal,
            store_id,
            status=422,
            errors={order_id: refusal},
            attempts={order_id: attempt} if attempt else {},
        )

    async def _board(
        self,
        request: Request[Any, Any, Any],
        state: State,
        principal: Principal,
        store_id: str,
        *,
        status: int = 200,
        notice: str = "",
        errors: dict[str, dict[str, str]] | None = None,
        attempts: dict[str, str] | None = None,
    ) -> Template:
        store, pickups = await asyncio.gather(store_of(state, store_id), board(state, store_id))
        return store_page(
            request,
            principal,
            store,
            "pickups.html",
            "_board.html",
            status=status,
            board=pickups,
            notice=notice,
            errors=errors or {},
            attempts=attempts or {},
        )
