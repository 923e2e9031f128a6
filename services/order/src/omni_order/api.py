"""The OrderService gRPC servicer: protobuf <-> domain and store."""

from __future__ import annotations

from grpc import aio

from omni.order.v1 import order_pb2, order_pb2_grpc
from omni_kit.errors import InvalidArgument, NotFound
from omni_kit.ids import new_id, utcnow
from omni_kit.protos import from_document, to_document, to_timestamp
from omni_order import domain
from omni_order.store import CartStore


class OrderApi(order_pb2_grpc.OrderServiceServicer):
    def __init__(self, carts: CartStore) -> None:
        self.carts = carts

    async def GetOrCreateCart(
        self, request: order_pb2.GetOrCreateCartRequest, context: aio.ServicerContext
    ) -> order_pb2.GetOrCreateCartResponse:
        owner_field, owner = domain.cart_owner(request.customer_id, request.anonymous_id)
        existing = await self.carts.find_active(owner_field, owner)
        if existing is not None:
            return order_pb2.GetOrCreateCartResponse(cart=from_document(existing, order_pb2.Cart))
        now = utcnow()
        cart = order_pb2.Cart(
            id=new_id("cart"),
            version=1,
            status=order_pb2.CART_STATUS_ACTIVE,
            channel=request.channel,
            currency_code=domain.cart_currency(request.currency_code),
            created_at=to_timestamp(now),
            updated_at=to_timestamp(now),
            expires_at=to_timestamp(domain.cart_expiry(now)),
        )
        setattr(cart, owner_field, owner)
        cart.subtotal.currency_code = cart.currency_code
        if await self.carts.insert_active(to_document(cart)):
            return order_pb2.GetOrCreateCartResponse(cart=cart, created=True)
        winner = await self.carts.find_active(owner_field, owner)
        return order_pb2.GetOrCreateCartResponse(cart=from_document(winner or {}, order_pb2.Cart))

    async def GetCart(
        self, request: order_pb2.GetCartRequest, context: aio.ServicerContext
    ) -> order_pb2.GetCartResponse:
        if not request.cart_id:
            raise InvalidArgument("cart_id is required", field="cart_id")
        document = await self.carts.get(request.cart_id)
        if document is None:
            raise NotFound(f"no cart with id {request.cart_id!r}", reason="CART_NOT_FOUND")
        return order_pb2.GetCartResponse(cart=from_document(document, order_pb2.Cart))
