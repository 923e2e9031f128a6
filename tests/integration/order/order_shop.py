"""A shop to test orders in: products listed on channels, stores and warehouses with stock."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import grpc
import pytest
from google.protobuf.message import DecodeError

from omni.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from omni.common.v1 import common_pb2
from omni.inventory.v1 import inventory_pb2, inventory_pb2_grpc
from omni.order.v1 import order_pb2, order_pb2_grpc
from omni_kit.errors import ErrorDetails, error_details
from omni_kit.idempotency import call_metadata
from omni_kit.ids import new_id

WEB = common_pb2.ChannelRef(channel=common_pb2.SALES_CHANNEL_WEB)
APP = common_pb2.ChannelRef(channel=common_pb2.SALES_CHANNEL_APP)
CUSTOMER = common_pb2.Actor(kind=common_pb2.ACTOR_KIND_CUSTOMER, id="cus_anna")
STAFF = common_pb2.Actor(kind=common_pb2.ACTOR_KIND_STAFF, id="stf_bob", display="Bob")
HOME = common_pb2.DELIVERY_MODE_HOME_DELIVERY
CLICK_AND_COLLECT = common_pb2.DELIVERY_MODE_CLICK_AND_COLLECT
ADDRESS = common_pb2.Address(
    name="Anna", lines=["Invalidenstr. 1"], city="Berlin", postal_code="10115", country_code="DE"
)


def eur(amount: int) -> common_pb2.Money:
    return common_pb2.Money(amount_minor=amount, currency_code="EUR")


def pos(store_id: str) -> common_pb2.ChannelRef:
    return common_pb2.ChannelRef(channel=common_pb2.SALES_CHANNEL_POS, store_id=store_id)


async def refused(call: Awaitable[Any]) -> ErrorDetails:
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await call
    return error_details(error.value)


def keyed(key: str = "") -> tuple[tuple[str, str], ...]:
    """Call metadata for a change that must happen once: a fresh key unless one is given."""
    return call_metadata(key or new_id("key"), "test")


@dataclass
class Shop:
    catalog: catalog_pb2_grpc.CatalogServiceStub
    inventory: inventory_pb2_grpc.InventoryServiceStub
    order: order_pb2_grpc.OrderServiceStub
    order_app: Any
    start_order: Callable[..., Awaitable[Any]]

    async def product(
        self, sku: str, price: int, channels: tuple[common_pb2.ChannelRef, ...] = (WEB, APP)
    ) -> str:
        product = catalog_pb2.Product(
            slug=sku.lower(),
            status=catalog_pb2.PRODUCT_STATUS_ACTIVE,
            default_language="en",
            texts={"en": catalog_pb2.LocalizedText(name=f"Product {sku}")},
            variants=[catalog_pb2.Variant(sku=sku)],
        )
        created = await self.catalog.CreateProduct(
            catalog_pb2.CreateProductRequest(product=product)
        )
        for channel in channels:
            await self.catalog.UpsertChannelListing(
                catalog_pb2.UpsertChannelListingRequest(
                    listing=catalog_pb2.ChannelListing(
                        product_id=created.product.id,
                        channel=channel,
                        published=True,
                        price=eur(price),
                    )
                )
            )
        return created.product.id

    async def set_price(self, product_id: str, price: int, channel=WEB) -> None:
        listing = await self.catalog.GetChannelListing(
            catalog_pb2.GetChannelListingRequest(product_id=product_id, channel=channel)
        )
        changed = catalog_pb2.ChannelListing()
        changed.CopyFrom(listing.listing)
        changed.price.CopyFrom(eur(price))
        await self.catalog.UpsertChannelListing(
            catalog_pb2.UpsertChannelListingRequest(
                listing=changed, expected_version=listing.listing.version
            )
        )

    async def location(
        self,
        code: str,
        *,
        kind: int = inventory_pb2.LOCATION_KIND_STORE,
        click_and_collect: bool = True,
        lat: float = 52.52,
        lng: float = 13.40,
    ) -> str:
        location = inventory_pb2.StockLocation(
            code=code,
            name=f"Store {code}",
            kind=kind,
            geo=common_pb2.GeoPoint(lat=lat, lng=lng),
            capabilities=inventory_pb2.LocationCapabilities(
                ships=True, click_and_collect=click_and_collect, receives_returns=True
            ),
        )
        reply = await self.inventory.CreateStockLocation(
            inventory_pb2.CreateStockLocationRequest(location=location)
        )
        return reply.location.id

    async def receive(self, location_id: str, sku: str, quantity: int) -> None:
        await self.inventory.ReceiveStock(
            inventory_pb2.ReceiveStockRequest(
                location_id=location_id,
                lines=[inventory_pb2.StockQuantity(sku=sku, quantity=quantity)],
                reference="PO-1",
            )
        )

    async def level(self, sku: str, location_id: str) -> inventory_pb2.StockLevel:
        reply = await self.inventory.ListStockLevels(
            inventory_pb2.ListStockLevelsRequest(skus=[sku], location_ids=[location_id])
        )
        return reply.stock_levels[0]

    async def cart(self, customer_id: str = "cus_anna", channel=WEB) -> order_pb2.Cart:
        reply = await self.order.GetOrCreateCart(
            order_pb2.GetOrCreateCartRequest(customer_id=customer_id, channel=channel)
        )
        return reply.cart

    async def add(self, cart_id: str, sku: str, quantity: int = 1, channel=WEB) -> order_pb2.Cart:
        reply = await self.order.AddCartLine(
            order_pb2.AddCartLineRequest(
                cart_id=cart_id, sku=sku, quantity=quantity, channel=channel
            ),
            metadata=keyed(),
        )
        return reply.cart

    async def place(
        self,
        cart_id: str,
        *,
        token: str = "tok_visa",
        delivery: order_pb2.DeliveryChoice | None = None,
        method: int = order_pb2.PAYMENT_METHOD_ONLINE_CARD,
        key: str = "",
        channel=WEB,
    ) -> order_pb2.Order:
        reply = await self.order.PlaceOrder(
            self.place_request(
                cart_id, token=token, delivery=delivery, method=method, channel=channel
            ),
            metadata=keyed(key),
        )
        return reply.order

    def place_request(
        self,
        cart_id: str,
        *,
        token: str = "tok_visa",
        delivery: order_pb2.DeliveryChoice | None = None,
        method: int = order_pb2.PAYMENT_METHOD_ONLINE_CARD,
        channel=WEB,
    ) -> order_pb2.PlaceOrderRequest:
        return order_pb2.PlaceOrderRequest(
            cart_id=cart_id,
            delivery=delivery or order_pb2.DeliveryChoice(mode=HOME, address=ADDRESS),
            payment_method=method,
            payment_token=token if method == order_pb2.PAYMENT_METHOD_ONLINE_CARD else "",
            channel=channel,
            actor=CUSTOMER,
        )

    async def get(self, order_id: str) -> order_pb2.Order:
        return (await self.order.GetOrder(order_pb2.GetOrderRequest(order_id=order_id))).order

    async def eventually(
        self, order_id: str, status: int, timeout: float = 15.0
    ) -> order_pb2.Order:
        """Wait for a background worker to move the order (no timing is asserted)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            order = await self.get(order_id)
            if order.status == status or asyncio.get_running_loop().time() > deadline:
                return order
            await asyncio.sleep(0.1)


async def ledger(mongo, db_name: str, payment_id: str) -> dict[str, Any]:
    """What the test payment provider recorded for a payment, read from its own collection in
    the order service's store (not from the order)."""
    collection = mongo[f"{db_name}_order"]["test_provider_payments"]
    return await collection.find_one({"_id": payment_id}) or {}


async def holding(shop: Shop, sku: str) -> list[str]:
    """Reservations of any kind (cart holds, orders) that still hold the SKU, from inventory."""
    reply = await shop.inventory.ListReservations(
        inventory_pb2.ListReservationsRequest(
            sku=sku,
            statuses=[
                inventory_pb2.RESERVATION_STATUS_ACTIVE,
                inventory_pb2.RESERVATION_STATUS_PARTIALLY_COMMITTED,
            ],
        )
    )
    return [reservation.id for reservation in reply.reservations]


async def next_event(nc, subject: str, message_type, order_id: str):
    """The first event on `subject` about the order, read from its JetStream stream (which the
    session's tests share: messages that are not this event are passed over)."""
    js = nc.jetstream()
    sub = await js.subscribe(subject, ordered_consumer=True)
    try:
        while True:
            msg = await sub.next_msg(timeout=10)
            try:
                event = message_type.FromString(msg.data)
            except DecodeError:  # another test's poison message on the shared stream
                continue
            if event.order.id == order_id:
                return event
    finally:
        await sub.unsubscribe()
