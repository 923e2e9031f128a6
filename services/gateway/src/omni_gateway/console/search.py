"""Finding a customer from one search box: a phone number, an e-mail address, a name, a loyalty
card or an order number, each looked up the way the staff API looks it up (exact identities,
names by prefix, orders by number within the stores the member may see)."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field

import grpc
from litestar.datastructures import State

from omni.order.v1 import order_pb2
from omni_gateway import profiles
from omni_gateway.security.principals import Principal
from omni_gateway.staff.orders import stores_in_scope
from omni_gateway.views.order import StaffOrder, staff_order_page
from omni_gateway.views.profile import IdentityKind, StaffProfile, staff_profile_view
from omni_kit.errors import error_details

ORDER_NUMBER = re.compile(r"^\d{6}-[A-Za-z0-9]{6}$")
PHONE = re.compile(r"^\+?\d{6,15}$")
PHONE_PUNCTUATION = re.compile(r"[\s().-]")
PAGE = 20


@dataclass
class Found:
    profiles: list[StaffProfile] = field(default_factory=list)
    orders: list[StaffOrder] = field(default_factory=list)
    # A lookup the customer service refused (a malformed phone number...), in its words.
    refusal: str = ""


def lookups(text: str) -> list[tuple[IdentityKind | None, str]]:
    """The profile lookups a search text calls for: (identity kind, value), or (None, name)."""
    if "@" in text:
        return [(IdentityKind.EMAIL, text)]
    if PHONE.match(PHONE_PUNCTUATION.sub("", text)):
        return [(IdentityKind.PHONE, text), (IdentityKind.LOYALTY_CARD, text)]
    if " " not in text and any(char.isdigit() for char in text):
        return [(IdentityKind.LOYALTY_CARD, text)]
    return [(None, text)]


async def find(state: State, principal: Principal, text: str) -> Found:
    text = text.strip()
    found = Found()
    if not text:
        return found
    if ORDER_NUMBER.match(text):
        ask = order_pb2.ListOrdersRequest(
            number=text.upper(), store_ids=stores_in_scope(principal, []), page_size=PAGE
        )
        reply = await state.downstream.call(state.downstream.order.ListOrders, ask, idempotent=True)
        found.orders = staff_order_page(reply).orders
        return found
    replies = await asyncio.gather(
        *(_profiles(state, kind, value) for kind, value in lookups(text)),
        return_exceptions=True,
    )
    seen: set[str] = set()
    for reply in replies:
        if (
            isinstance(reply, grpc.aio.AioRpcError)
            and reply.code() is grpc.StatusCode.INVALID_ARGUMENT
        ):
            found.refusal = error_details(reply).message
            continue
        if isinstance(reply, BaseException):
            raise reply
        for profile in reply:
            if profile.id not in seen:
                seen.add(profile.id)
                found.profiles.append(profile)
    return found


async def _profiles(state: State, kind: IdentityKind | None, value: str) -> list[StaffProfile]:
    if kind is None:
        reply = await profiles.find(state, query=value, page_size=PAGE)
    else:
        reply = await profiles.find(state, kind=kind, value=value, page_size=PAGE)
    return [staff_profile_view(profile) for profile in reply.profiles]
