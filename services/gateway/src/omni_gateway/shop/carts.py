"""Carts: the same cart on every device and channel, priced from the channel, stock held; only
the cart's owner sees or changes it (another's cart is a 404)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from google.protobuf import field_mask_pb2
from litestar import Controller, delete, get, patch, post
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import NotFoundException, PermissionDeniedException, ValidationException
from litestar.params import Parameter

from omni.common.v1 import common_pb2
from omni.order.v1 import order_pb2
from omni_gateway.context import channel_ref
from omni_gateway.openapi import ID, Follow, links
from omni_gateway.security import dependencies as auth
from omni_gateway.security.principals import Channel, Kind, Principal
from omni_gateway.security.tokens import TokenError
from omni_gateway.views.cart import Cart, LineChange, Merge, NewLine, VoucherCode, cart_view
from omni_gateway.views.delivery import DeliveryOptions, delivery_options

P = order_pb2
CART = {"cart_id": ID}
CART_LINE = CART | {"line_id": "$response.body#/lines/0/line_id"}
CHECK_OUT = Follow("POST /api/v1/orders", body=CART)


async def owned_cart(state: State, principal: Principal, cart_id: str) -> P.Cart:
    reply = await state.downstream.call(
        state.downstream.order.GetCart, P.GetCartRequest(cart_id=cart_id), idempotent=True
    )
    if (reply.cart.customer_id or reply.cart.anonymous_id) != principal.id:
        # Not 403: whether someone else's cart exists is not the caller's business.
        raise NotFoundException(f"no cart {cart_id!r}")
    return reply.cart


async def _changed(
    state: State, method: Callable[..., Awaitable[Any]], request: Any, *, idempotent: bool
) -> Cart:
    """A change to the cart; the cart as it is after it."""
    reply = await state.downstream.call(method, request, idempotent=idempotent)
    return cart_view(reply.cart)


def _visitor_of(state: State, token: str) -> Principal:
    """The anonymous visitor a session token from before sign-in names."""
    try:
        visitor = state.tokens.verify(token, "omni-api")
    except TokenError as error:
        raise ValidationException(
            "anonymous_token is not a valid visitor session",
            extra=[{"key": "anonymous_token", "message": str(error)}],
        ) from None
    if visitor.kind is not Kind.ANONYMOUS:
        raise ValidationException(
            "anonymous_token must be a visitor session",
            extra=[{"key": "anonymous_token", "message": "not an anonymous session"}],
        )
    return visitor


class Carts(Controller):
    path = "/api/v1/carts"
    tags = ["cart"]
    dependencies = {"principal": Provide(auth.visitor), "channel": Provide(auth.frontend_channel)}
    security = [{"bearerAuth": []}]

    @get(
        "/current",
        summary="My cart: the same on every device and channel",
        opt=links(
            200,
            {
                "GetCart": Follow("GET /api/v1/carts/{cart_id}", CART),
                "AddLine": Follow("POST /api/v1/carts/{cart_id}/lines", CART),
                "DeliveryOptions": Follow("GET /api/v1/carts/{cart_id}/delivery-options", CART),
                "Reprice": Follow("POST /api/v1/carts/{cart_id}/reprice", CART),
                "CheckOut": CHECK_OUT,
            },
        ),
    )
    async def current(
        self,
        state: State,
        principal: Principal,
        channel: Channel,
        currency: Annotated[str | None, Parameter(pattern=r"^[A-Z]{3}$")] = None,
    ) -> Cart:
        """`currency` (ISO 4217; one the channel sells in, default its first) applies when the
        cart is made, not to one that exists."""
        request = P.GetOrCreateCartRequest(
            channel=channel_ref(channel), currency_code=currency or ""
        )
        if principal.kind is Kind.CUSTOMER:
            request.customer_id = principal.id
        else:
            request.anonymous_id = principal.id
        return await _changed(
            state, state.downstream.order.GetOrCreateCart, request, idempotent=True
        )

    @get("/{cart_id:str}", summary="A cart of mine")
    async def cart(self, state: State, principal: Principal, cart_id: str) -> Cart:
        return cart_view(await owned_cart(state, principal, cart_id))

    @post(
        "/{cart_id:str}/lines",
        summary="Add a product (priced from the channel, stock held)",
        opt=links(
            201,
            {
                "ChangeLine": Follow("PATCH /api/v1/carts/{cart_id}/lines/{line_id}", CART_LINE),
                "RemoveLine": Follow("DELETE /api/v1/carts/{cart_id}/lines/{line_id}", CART_LINE),
                "CheckOut": CHECK_OUT,
            },
        ),
    )
    async def add_line(
        self, state: State, principal: Principal, channel: Channel, cart_id: str, data: NewLine
    ) -> Cart:
        await owned_cart(state, principal, cart_id)
        add = P.AddCartLineRequest(
            cart_id=cart_id, sku=data.sku, quantity=data.quantity, channel=channel_ref(channel)
        )
        return await _changed(state, state.downstream.order.AddCartLine, add, idempotent=True)

    @patch("/{cart_id:str}/lines/{line_id:str}", summary="Change a line's quantity")
    async def change_line(
        self,
        state: State,
        principal: Principal,
        channel: Channel,
        cart_id: str,
        line_id: str,
        data: LineChange,
    ) -> Cart:
        await owned_cart(state, principal, cart_id)
        change = P.UpdateCartLineRequest(
            cart_id=cart_id,
            line=P.CartLine(line_id=line_id, quantity=data.quantity),
            update_mask=field_mask_pb2.FieldMask(paths=["quantity"]),
            channel=channel_ref(channel),
        )
        return await _changed(
            state, state.downstream.order.UpdateCartLine, change, idempotent=False
        )

    @delete("/{cart_id:str}/lines/{line_id:str}", summary="Remove a line", status_code=200)
    async def remove_line(
        self, state: State, principal: Principal, channel: Channel, cart_id: str, line_id: str
    ) -> Cart:
        await owned_cart(state, principal, cart_id)
        remove = P.RemoveCartLineRequest(
            cart_id=cart_id, line_id=line_id, channel=channel_ref(channel)
        )
        return await _changed(
            state, state.downstream.order.RemoveCartLine, remove, idempotent=False
        )

    @post("/{cart_id:str}/reprice", summary="Accept the current prices", status_code=200)
    async def reprice(
        self, state: State, principal: Principal, channel: Channel, cart_id: str
    ) -> Cart:
        await owned_cart(state, principal, cart_id)
        reprice = P.RepriceCartRequest(cart_id=cart_id, channel=channel_ref(channel))
        return await _changed(state, state.downstream.order.RepriceCart, reprice, idempotent=False)

    @post("/{cart_id:str}/vouchers", summary="Apply a voucher code", status_code=200)
    async def apply_voucher(
        self, state: State, principal: Principal, channel: Channel, cart_id: str, data: VoucherCode
    ) -> Cart:
        """A code that cannot be used (unknown, expired, not yet valid, used up, for another
        channel or currency, below its minimum spend, over the customer's limit, not combinable
        with the cart's other vouchers) is refused naming the voucher and the reason."""
        await owned_cart(state, principal, cart_id)
        apply = P.ApplyCartVoucherRequest(
            cart_id=cart_id, code=data.code, channel=channel_ref(channel)
        )
        return await _changed(
            state, state.downstream.order.ApplyCartVoucher, apply, idempotent=True
        )

    @delete("/{cart_id:str}/vouchers/{code:str}", summary="Remove a voucher code", status_code=200)
    async def remove_voucher(
        self, state: State, principal: Principal, channel: Channel, cart_id: str, code: str
    ) -> Cart:
        await owned_cart(state, principal, cart_id)
        remove = P.RemoveCartVoucherRequest(
            cart_id=cart_id, code=code, channel=channel_ref(channel)
        )
        return await _changed(
            state, state.downstream.order.RemoveCartVoucher, remove, idempotent=False
        )

    @post("/current/merge", summary="At sign-in: move my anonymous cart into mine", status_code=200)
    async def merge(
        self, state: State, principal: Principal, channel: Channel, data: Merge
    ) -> Cart:
        if principal.kind is not Kind.CUSTOMER:
            raise PermissionDeniedException("sign in as a customer to merge a cart")
        visitor = _visitor_of(state, data.anonymous_token)
        source = await state.downstream.call(
            state.downstream.order.GetOrCreateCart,
            P.GetOrCreateCartRequest(anonymous_id=visitor.id, channel=channel_ref(channel)),
            idempotent=True,
        )
        merge = P.MergeCartsRequest(
            source_cart_id=source.cart.id, customer_id=principal.id, channel=channel_ref(channel)
        )
        return await _changed(state, state.downstream.order.MergeCarts, merge, idempotent=True)

    @get("/{cart_id:str}/delivery-options", summary="Home delivery, click & collect, ship-to-store")
    async def delivery_options(
        self,
        state: State,
        principal: Principal,
        channel: Channel,
        cart_id: str,
        lat: Annotated[float | None, Parameter(ge=-90, le=90)] = None,
        lng: Annotated[float | None, Parameter(ge=-180, le=180)] = None,
        pickup_location_id: str | None = None,
        country_code: Annotated[str | None, Parameter(pattern=r"^[A-Z]{2}$")] = None,
        city: Annotated[str | None, Parameter(min_length=1, max_length=200)] = None,
        postal_code: Annotated[str | None, Parameter(max_length=20)] = None,
    ) -> DeliveryOptions:
        """With the delivery address's country and city, the carriers quote home delivery there
        and offer their pickup points in that city."""
        await owned_cart(state, principal, cart_id)
        ask = P.GetDeliveryOptionsRequest(
            cart_id=cart_id,
            pickup_location_id=pickup_location_id or "",
            channel=channel_ref(channel),
            address=common_pb2.Address(
                country_code=country_code or "", city=city or "", postal_code=postal_code or ""
            ),
        )
        if lat is not None and lng is not None:
            ask.geo.CopyFrom(common_pb2.GeoPoint(lat=lat, lng=lng))
        reply = await state.downstream.call(
            state.downstream.order.GetDeliveryOptions, ask, idempotent=True
        )
        return delivery_options(reply)
