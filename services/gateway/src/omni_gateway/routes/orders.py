"""Order routes: carts, checkout and orders for every audience.
Every object is checked against the caller, not just the route (OWASP API1)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import NotFoundException, PermissionDeniedException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Parameter

from omni.common.v1 import common_pb2
from omni.order.v1 import order_pb2
from omni_gateway.context import SALES_CHANNELS
from omni_gateway.downstream import actor_of
from omni_gateway.idempotency import idempotency_key
from omni_gateway.resources import INT64_MAX, as_json, list_page
from omni_gateway.security import dependencies as auth
from omni_gateway.security.principals import Channel, Kind, Principal, StaffRole
from omni_gateway.security.tokens import TokenError
from omni_kit.protos import to_timestamp

P = order_pb2
Id = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
Text = Annotated[str, msgspec.Meta(max_length=500)]
Quantity = Annotated[int, msgspec.Meta(ge=1, le=1000)]
PageSize = Annotated[int, Parameter(ge=1, le=200)]
MODES = {
    "home_delivery": common_pb2.DELIVERY_MODE_HOME_DELIVERY,
    "click_and_collect": common_pb2.DELIVERY_MODE_CLICK_AND_COLLECT,
    "ship_to_store": common_pb2.DELIVERY_MODE_SHIP_TO_STORE,
}
PAYMENTS = {
    "online_card": P.PAYMENT_METHOD_ONLINE_CARD,
    "cash_on_delivery": P.PAYMENT_METHOD_CASH_ON_DELIVERY,
    "pay_in_store": P.PAYMENT_METHOD_PAY_IN_STORE,
}
AWAITING_PICKUP = [
    P.ORDER_STATUS_CONFIRMED,
    P.ORDER_STATUS_PARTIALLY_FULFILLED,
    P.ORDER_STATUS_FULFILLED,
    P.ORDER_STATUS_READY_FOR_PICKUP,
]
REPORT_ROLES = (StaffRole.ADMIN, StaffRole.CONSULTANT, StaffRole.STORE_MANAGER)
CANCEL_ROLES = REPORT_ROLES


class Money(msgspec.Struct, forbid_unknown_fields=True):
    amount_minor: Annotated[int, msgspec.Meta(ge=0, le=INT64_MAX)]
    currency_code: Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{3}$")]


class Address(msgspec.Struct, forbid_unknown_fields=True):
    lines: Annotated[list[Text], msgspec.Meta(min_length=1, max_length=4)]
    city: Text
    country_code: Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{2}$")]
    postal_code: Text = ""
    name: Text = ""
    region: Text = ""
    phone: Text = ""


class DeliveryChoice(msgspec.Struct, forbid_unknown_fields=True):
    mode: Literal["home_delivery", "click_and_collect", "ship_to_store"]
    option_id: Text = ""
    pickup_location_id: Text = ""
    address: Address | None = None


class NewLine(msgspec.Struct, forbid_unknown_fields=True):
    sku: Id
    quantity: Quantity


class LineChange(msgspec.Struct, forbid_unknown_fields=True):
    quantity: Quantity


class Merge(msgspec.Struct, forbid_unknown_fields=True):
    # The visitor's session token from before sign-in: proves the anonymous cart is the caller's.
    anonymous_token: Annotated[str, msgspec.Meta(min_length=1, max_length=4000)]


class Checkout(msgspec.Struct, forbid_unknown_fields=True):
    cart_id: Id
    delivery: DeliveryChoice
    payment_method: Literal["online_card", "cash_on_delivery", "pay_in_store"]
    payment_token: Text = ""
    expected_total: Money | None = None
    note: Text = ""


class LineUnits(msgspec.Struct, forbid_unknown_fields=True):
    line_id: Id
    quantity: Quantity


class Cancel(msgspec.Struct, forbid_unknown_fields=True):
    lines: Annotated[list[LineUnits], msgspec.Meta(max_length=100)] = []
    note: Text = ""


class NewShipment(msgspec.Struct, forbid_unknown_fields=True):
    source_location_id: Id
    lines: Annotated[list[LineUnits], msgspec.Meta(max_length=100)] = []
    carrier: Text = ""
    tracking_number: Text = ""


class Tracking(msgspec.Struct, forbid_unknown_fields=True):
    carrier: Text = ""
    tracking_number: Text = ""


class Collection(msgspec.Struct, forbid_unknown_fields=True):
    pickup_code: Annotated[str, msgspec.Meta(min_length=1, max_length=20)]


class ReturnedLine(msgspec.Struct, forbid_unknown_fields=True):
    line_id: Id
    quantity: Quantity
    condition: Literal["sellable", "damaged"] = "sellable"
    resolution: Literal["refund", "exchange"] = "refund"
    exchange_sku: Text = ""
    reason: Text = ""


class NewReturn(msgspec.Struct, forbid_unknown_fields=True):
    receiving_location_id: Id
    lines: Annotated[list[ReturnedLine], msgspec.Meta(min_length=1, max_length=100)]
    note: Text = ""


class ImportedLine(msgspec.Struct, forbid_unknown_fields=True):
    sku: Id
    quantity: Quantity
    unit_price: Money
    partner_line_id: Text = ""


class Buyer(msgspec.Struct, forbid_unknown_fields=True):
    buyer_id: Text = ""
    name: Text = ""
    email: Text = ""
    phone: Text = ""


class ImportedOrder(msgspec.Struct, forbid_unknown_fields=True):
    partner_order_id: Id
    lines: Annotated[list[ImportedLine], msgspec.Meta(min_length=1, max_length=100)]
    delivery: DeliveryChoice
    buyer: Buyer | None = None
    delivery_price: Money | None = None


def _money(value: Money | None) -> common_pb2.Money | None:
    return None if value is None else common_pb2.Money(**msgspec.to_builtins(value))


def _delivery(choice: DeliveryChoice) -> P.DeliveryChoice:
    address = common_pb2.Address(**msgspec.to_builtins(choice.address)) if choice.address else None
    return P.DeliveryChoice(
        mode=MODES[choice.mode],
        option_id=choice.option_id,
        pickup_location_id=choice.pickup_location_id,
        address=address,
    )


def _units(lines: list[LineUnits]) -> list[P.LineQuantity]:
    return [P.LineQuantity(line_id=line.line_id, quantity=line.quantity) for line in lines]


def _channel(channel: Channel, store_id: str = "") -> common_pb2.ChannelRef:
    return common_pb2.ChannelRef(channel=SALES_CHANNELS[channel], store_id=store_id)


async def _call(state: State, method: str, request: Any, *, idempotent: bool = False) -> Any:
    return await state.downstream.call(
        getattr(state.downstream.order, method), request, idempotent=idempotent
    )


async def _changed(state: State, method: str, request: Any) -> Response[dict[str, Any]]:
    """A change to an order; 200 with the order as it is after it."""
    reply = await _call(state, method, request, idempotent=True)
    return Response(as_json(reply.order), status_code=200)


async def _order(state: State, order_id: str) -> P.Order:
    reply = await _call(state, "GetOrder", P.GetOrderRequest(order_id=order_id), idempotent=True)
    return reply.order


async def _owned_cart(state: State, principal: Principal, cart_id: str) -> P.Cart:
    reply = await _call(state, "GetCart", P.GetCartRequest(cart_id=cart_id), idempotent=True)
    if (reply.cart.customer_id or reply.cart.anonymous_id) != principal.id:
        # Not 403: whether someone else's cart exists is not the caller's business.
        raise NotFoundException(f"no cart {cart_id!r}")
    return reply.cart


async def _own_order(state: State, principal: Principal, order_id: str) -> P.Order:
    order = await _order(state, order_id)
    if order.customer_id != principal.id:
        raise NotFoundException(f"no order {order_id!r}")
    return order


class Carts(Controller):
    path = "/api/v1/carts"
    tags = ["cart"]
    dependencies = {"principal": Provide(auth.visitor), "channel": Provide(auth.frontend_channel)}
    security = [{"bearerAuth": []}]

    @get("/current", summary="My cart: the same on every device and channel")
    async def current(self, state: State, principal: Principal, channel: Channel) -> dict[str, Any]:
        request = P.GetOrCreateCartRequest(channel=_channel(channel))
        if principal.kind is Kind.CUSTOMER:
            request.customer_id = principal.id
        else:
            request.anonymous_id = principal.id
        reply = await _call(state, "GetOrCreateCart", request, idempotent=True)
        return as_json(reply.cart)

    @get("/{cart_id:str}", summary="A cart of mine")
    async def cart(self, state: State, principal: Principal, cart_id: str) -> dict[str, Any]:
        return as_json(await _owned_cart(state, principal, cart_id))

    @post("/{cart_id:str}/lines", summary="Add a product (priced from the channel, stock held)")
    async def add_line(
        self,
        request: Request[Any, Any, Any],
        state: State,
        principal: Principal,
        channel: Channel,
        cart_id: str,
        data: NewLine,
    ) -> dict[str, Any]:
        await _owned_cart(state, principal, cart_id)
        add = P.AddCartLineRequest(
            cart_id=cart_id,
            sku=data.sku,
            quantity=data.quantity,
            channel=_channel(channel),
        )
        return as_json((await _call(state, "AddCartLine", add, idempotent=True)).cart)

    @patch("/{cart_id:str}/lines/{line_id:str}", summary="Change a line's quantity")
    async def change_line(
        self,
        state: State,
        principal: Principal,
        channel: Channel,
        cart_id: str,
        line_id: str,
        data: LineChange,
    ) -> dict[str, Any]:
        await _owned_cart(state, principal, cart_id)
        change = P.UpdateCartLineRequest(
            cart_id=cart_id,
            line=P.CartLine(line_id=line_id, quantity=data.quantity),
            update_mask={"paths": ["quantity"]},
            channel=_channel(channel),
        )
        return as_json((await _call(state, "UpdateCartLine", change)).cart)

    @delete("/{cart_id:str}/lines/{line_id:str}", summary="Remove a line", status_code=200)
    async def remove_line(
        self, state: State, principal: Principal, channel: Channel, cart_id: str, line_id: str
    ) -> dict[str, Any]:
        await _owned_cart(state, principal, cart_id)
        remove = P.RemoveCartLineRequest(
            cart_id=cart_id, line_id=line_id, channel=_channel(channel)
        )
        return as_json((await _call(state, "RemoveCartLine", remove)).cart)

    @post("/{cart_id:str}/reprice", summary="Accept the current prices", status_code=200)
    async def reprice(
        self, state: State, principal: Principal, channel: Channel, cart_id: str
    ) -> dict[str, Any]:
        await _owned_cart(state, principal, cart_id)
        reprice = P.RepriceCartRequest(cart_id=cart_id, channel=_channel(channel))
        return as_json((await _call(state, "RepriceCart", reprice)).cart)

    @post("/current/merge", summary="At sign-in: move my anonymous cart into mine", status_code=200)
    async def merge(
        self, state: State, principal: Principal, channel: Channel, data: Merge
    ) -> dict[str, Any]:
        if principal.kind is not Kind.CUSTOMER:
            raise PermissionDeniedException("sign in as a customer to merge a cart")
        try:
            visitor = state.tokens.verify(data.anonymous_token, "omni-api")
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
        source = await _call(
            state,
            "GetOrCreateCart",
            P.GetOrCreateCartRequest(anonymous_id=visitor.id, channel=_channel(channel)),
            idempotent=True,
        )
        merge = P.MergeCartsRequest(
            source_cart_id=source.cart.id,
            customer_id=principal.id,
            channel=_channel(channel),
        )
        return as_json((await _call(state, "MergeCarts", merge, idempotent=True)).cart)

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
    ) -> dict[str, Any]:
        await _owned_cart(state, principal, cart_id)
        ask = P.GetDeliveryOptionsRequest(
            cart_id=cart_id,
            pickup_location_id=pickup_location_id or "",
            channel=_channel(channel),
        )
        if lat is not None and lng is not None:
            ask.geo.CopyFrom(common_pb2.GeoPoint(lat=lat, lng=lng))
        reply = await _call(state, "GetDeliveryOptions", ask, idempotent=True)
        return {"options": [as_json(option) for option in reply.options]}


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
                data_container=dict[str, Any],
                description="Accepted, still pending (a slow payment): poll the Location",
            )
        },
    )
    async def checkout(
        self,
        request: Request[Any, Any, Any],
        state: State,
        principal: Principal,
        channel: Channel,
        data: Checkout,
    ) -> Response[dict[str, Any]]:
        if idempotency_key(request) is None:
            raise ValidationException(
                "checkout needs an Idempotency-Key header",
                extra=[{"key": "Idempotency-Key", "message": "required"}],
            )
        await _owned_cart(state, principal, data.cart_id)
        place = P.PlaceOrderRequest(
            cart_id=data.cart_id,
            delivery=_delivery(data.delivery),
            payment_method=PAYMENTS[data.payment_method],
            payment_token=data.payment_token,
            expected_total=_money(data.expected_total),
            channel=_channel(channel),
            actor=actor_of(principal),
            note=data.note,
        )
        reply = await _call(state, "PlaceOrder", place)
        if reply.order.status == P.ORDER_STATUS_PENDING:
            # Still being placed (a slow payment provider): poll the order for the outcome.
            location = f"/api/v1/orders/{reply.order.id}"
            return Response(as_json(reply.order), status_code=202, headers={"Location": location})
        return Response(as_json(reply.order), status_code=201)

    @get("", summary="My orders from every channel, newest first")
    async def mine(
        self,
        state: State,
        principal: Principal,
        page_size: PageSize = 50,
        page_token: str = "",
    ) -> dict[str, Any]:
        ask = P.ListOrdersRequest(
            customer_id=principal.id, page_size=page_size, page_token=page_token
        )
        return list_page(await _call(state, "ListOrders", ask, idempotent=True), "orders")

    @get("/{order_id:str}", summary="An order of mine")
    async def order(self, state: State, principal: Principal, order_id: str) -> dict[str, Any]:
        return as_json(await _own_order(state, principal, order_id))

    @post(
        "/{order_id:str}/cancel",
        summary="Cancel my order (or some lines) before fulfilment",
        status_code=200,
    )
    async def cancel(
        self,
        request: Request[Any, Any, Any],
        state: State,
        principal: Principal,
        channel: Channel,
        order_id: str,
        data: Cancel,
    ) -> Response[dict[str, Any]]:
        await _own_order(state, principal, order_id)
        cancel = P.CancelOrderRequest(
            order_id=order_id,
            lines=_units(data.lines),
            reason=P.CANCELLATION_REASON_CUSTOMER_REQUEST,
            note=data.note,
            actor=actor_of(principal),
            channel=_channel(channel),
        )
        return await _changed(state, "CancelOrder", cancel)


class StaffOrders(Controller):
    path = "/staff/v1"
    tags = ["staff orders"]
    dependencies = {"principal": Provide(auth.staff), "channel": Provide(auth.staff_channel)}
    security = [{"bearerAuth": []}]

    @get("/stores/{store_id:str}/pickups", summary="Orders to be picked up at my store")
    async def pickups(
        self,
        state: State,
        principal: Principal,
        store_id: str,
        page_size: PageSize = 50,
        page_token: str = "",
    ) -> dict[str, Any]:
        auth.require_store(principal, store_id)
        ask = P.ListOrdersRequest(
            pickup_location_id=store_id,
            statuses=AWAITING_PICKUP,
            page_size=page_size,
            page_token=page_token,
        )
        return list_page(await _call(state, "ListOrders", ask, idempotent=True), "orders")

    @get("/customers/{customer_id:str}/orders", summary="A customer's orders across channels")
    async def customer_orders(
        self,
        state: State,
        principal: Principal,
        customer_id: str,
        page_size: PageSize = 50,
        page_token: str = "",
    ) -> dict[str, Any]:
        ask = P.ListOrdersRequest(
            customer_id=customer_id, page_size=page_size, page_token=page_token
        )
        return list_page(await _call(state, "ListOrders", ask, idempotent=True), "orders")

    @get("/orders/{order_id:str}", summary="Any order, with its history")
    async def order(self, state: State, principal: Principal, order_id: str) -> dict[str, Any]:
        return as_json(await _order(state, order_id))

    @post(
        "/orders/{order_id:str}/ready-for-pickup",
        summary="Goods at the store: code + deadline",
        status_code=200,
    )
    async def ready(
        self, state: State, principal: Principal, channel: Channel, order_id: str
    ) -> Response[dict[str, Any]]:
        store_id = await self._pickup_store(state, principal, order_id)
        mark = P.MarkReadyForPickupRequest(
            order_id=order_id, actor=actor_of(principal), channel=_channel(channel, store_id)
        )
        return await _changed(state, "MarkReadyForPickup", mark)

    @post(
        "/orders/{order_id:str}/collected", summary="The customer took the order", status_code=200
    )
    async def collected(
        self, state: State, principal: Principal, channel: Channel, order_id: str, data: Collection
    ) -> Response[dict[str, Any]]:
        store_id = await self._pickup_store(state, principal, order_id)
        mark = P.MarkCollectedRequest(
            order_id=order_id,
            pickup_code=data.pickup_code,
            actor=actor_of(principal),
            channel=_channel(channel, store_id),
        )
        return await _changed(state, "MarkCollected", mark)

    @post("/orders/{order_id:str}/shipments", summary="Fulfil lines from one location")
    async def ship_from(
        self,
        request: Request[Any, Any, Any],
        state: State,
        principal: Principal,
        channel: Channel,
        order_id: str,
        data: NewShipment,
    ) -> Response[dict[str, Any]]:
        auth.require_store(principal, data.source_location_id)
        create = P.CreateShipmentRequest(
            order_id=order_id,
            source_location_id=data.source_location_id,
            lines=_units(data.lines),
            carrier=data.carrier,
            tracking_number=data.tracking_number,
            actor=actor_of(principal),
            channel=_channel(channel, data.source_location_id),
        )
        reply = await _call(state, "CreateShipment", create, idempotent=True)
        return Response(
            {"shipment": as_json(reply.shipment), "order": as_json(reply.order)}, status_code=201
        )

    @post(
        "/orders/{order_id:str}/shipments/{shipment_id:str}/shipped",
        summary="Handed over",
        status_code=200,
    )
    async def shipped(
        self,
        state: State,
        principal: Principal,
        channel: Channel,
        order_id: str,
        shipment_id: str,
        data: Tracking,
    ) -> Response[dict[str, Any]]:
        source = await self._shipment_source(state, principal, order_id, shipment_id)
        mark = P.MarkShippedRequest(
            order_id=order_id,
            shipment_id=shipment_id,
            carrier=data.carrier,
            tracking_number=data.tracking_number,
            actor=actor_of(principal),
            channel=_channel(channel, source),
        )
        return await _changed(state, "MarkShipped", mark)

    @post(
        "/orders/{order_id:str}/shipments/{shipment_id:str}/delivered",
        summary="Arrived",
        status_code=200,
    )
    async def delivered(
        self, state: State, principal: Principal, channel: Channel, order_id: str, shipment_id: str
    ) -> Response[dict[str, Any]]:
        source = await self._shipment_source(state, principal, order_id, shipment_id)
        mark = P.MarkDeliveredRequest(
            order_id=order_id,
            shipment_id=shipment_id,
            actor=actor_of(principal),
            channel=_channel(channel, source),
        )
        return await _changed(state, "MarkDelivered", mark)

    @post("/orders/{order_id:str}/returns", summary="Goods back at my store (any channel's order)")
    async def take_back(
        self,
        request: Request[Any, Any, Any],
        state: State,
        principal: Principal,
        channel: Channel,
        order_id: str,
        data: NewReturn,
    ) -> Response[dict[str, Any]]:
        auth.require_store(principal, data.receiving_location_id)
        conditions = {
            "sellable": common_pb2.ITEM_CONDITION_SELLABLE,
            "damaged": common_pb2.ITEM_CONDITION_DAMAGED,
        }
        resolutions = {
            "refund": P.RETURN_RESOLUTION_REFUND,
            "exchange": P.RETURN_RESOLUTION_EXCHANGE,
        }
        create = P.CreateReturnRequest(
            order_id=order_id,
            lines=[
                P.ReturnLine(
                    line_id=line.line_id,
                    quantity=line.quantity,
                    condition=conditions[line.condition],
                    resolution=resolutions[line.resolution],
                    exchange_sku=line.exchange_sku,
                    reason=line.reason,
                )
                for line in data.lines
            ],
            receiving_location_id=data.receiving_location_id,
            channel=_channel(channel, data.receiving_location_id),
            actor=actor_of(principal),
            note=data.note,
        )
        reply = await _call(state, "CreateReturn", create, idempotent=True)
        return Response(
            {"return": as_json(reply.order_return), "order": as_json(reply.order)}, status_code=201
        )

    @post(
        "/orders/{order_id:str}/cancel", summary="Cancel an order (or some lines)", status_code=200
    )
    async def cancel(
        self,
        request: Request[Any, Any, Any],
        state: State,
        principal: Principal,
        channel: Channel,
        order_id: str,
        data: Cancel,
    ) -> Response[dict[str, Any]]:
        auth.require_roles(principal, *CANCEL_ROLES)
        cancel = P.CancelOrderRequest(
            order_id=order_id,
            lines=_units(data.lines),
            reason=P.CANCELLATION_REASON_STAFF_DECISION,
            note=data.note,
            actor=actor_of(principal),
            channel=_channel(channel),
        )
        return await _changed(state, "CancelOrder", cancel)

    @get("/reports/sales", summary="Revenue, orders and units per channel and day")
    async def sales(
        self,
        state: State,
        principal: Principal,
        start: Annotated[date, Parameter(query="from")],
        end: Annotated[date, Parameter(query="to")],
        time_zone: str = "UTC",
    ) -> dict[str, Any]:
        auth.require_roles(principal, *REPORT_ROLES)
        if end < start:
            raise ValidationException(
                "the range ends before it starts", extra=[{"key": "to", "message": "before from"}]
            )
        span = common_pb2.TimeRange(
            start_time=to_timestamp(datetime.combine(start, time(), UTC)),
            end_time=to_timestamp(datetime.combine(end + timedelta(days=1), time(), UTC)),
        )
        ask = P.GetSalesReportRequest(time_range=span, time_zone=time_zone)
        reply = await _call(state, "GetSalesReport", ask, idempotent=True)
        return as_json(reply.report)

    async def _pickup_store(self, state: State, principal: Principal, order_id: str) -> str:
        order = await _order(state, order_id)
        store_id = order.delivery.pickup_location_id
        if not store_id:
            raise NotFoundException(f"order {order_id!r} is not picked up at a store")
        auth.require_store(principal, store_id)
        return store_id

    async def _shipment_source(
        self, state: State, principal: Principal, order_id: str, shipment_id: str
    ) -> str:
        order = await _order(state, order_id)
        for shipment in order.shipments:
            if shipment.id == shipment_id:
                auth.require_store(principal, shipment.source_location_id)
                return shipment.source_location_id
        raise NotFoundException(f"order {order_id!r} has no shipment {shipment_id!r}")


class PartnerOrders(Controller):
    path = "/partner/v1/orders"
    tags = ["partner orders"]
    dependencies = {"principal": Provide(auth.partner)}
    security = [{"apiKey": []}]

    @post(
        "",
        summary="Import a marketplace order (deduplicated by partner_order_id)",
        status_code=201,
        responses={
            200: ResponseSpec(
                data_container=dict[str, Any], description="Imported before: the order as it is"
            )
        },
    )
    async def import_order(
        self, state: State, principal: Principal, data: ImportedOrder
    ) -> Response[dict[str, Any]]:
        auth.require_scope(principal, "orders:write")
        imported = P.ImportMarketplaceOrderRequest(
            partner_id=principal.partner_id,
            partner_order_id=data.partner_order_id,
            lines=[
                P.ImportLine(
                    partner_line_id=line.partner_line_id,
                    sku=line.sku,
                    quantity=line.quantity,
                    unit_price=_money(line.unit_price),
                )
                for line in data.lines
            ],
            buyer=P.MarketplaceBuyer(**msgspec.to_builtins(data.buyer)) if data.buyer else None,
            delivery=_delivery(data.delivery),
            delivery_price=_money(data.delivery_price),
            actor=actor_of(principal),
        )
        reply = await _call(state, "ImportMarketplaceOrder", imported, idempotent=True)
        return Response(as_json(reply.order), status_code=201 if reply.created else 200)

    @get("", summary="My marketplace's orders, newest first")
    async def mine(
        self,
        state: State,
        principal: Principal,
        partner_order_id: str = "",
        page_size: PageSize = 50,
        page_token: str = "",
    ) -> dict[str, Any]:
        auth.require_scope(principal, "orders:read")
        ask = P.ListOrdersRequest(
            partner_id=principal.partner_id,
            partner_order_id=partner_order_id,
            page_size=page_size,
            page_token=page_token,
        )
        return list_page(await _call(state, "ListOrders", ask, idempotent=True), "orders")

    @get("/{order_id:str}", summary="One of my marketplace's orders")
    async def order(self, state: State, principal: Principal, order_id: str) -> dict[str, Any]:
        auth.require_scope(principal, "orders:read")
        order = await _order(state, order_id)
        if order.channel.partner_id != principal.partner_id:
            raise NotFoundException(f"no order {order_id!r}")
        return as_json(order)


PUBLIC_ROUTES: list[Any] = [Carts, CustomerOrders, StaffOrders]
PARTNER_ROUTES: list[Any] = [PartnerOrders]
