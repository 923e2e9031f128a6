"""The order service's domain types read the documents it has always stored and write them back
byte for byte (no migration moves them), and map to and from the gRPC messages unchanged."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from omni.common.v1 import common_pb2
from omni.order.v1 import order_pb2
from omni_kit.protos import to_document as stored_before
from omni_kit.protos import to_timestamp
from omni_order.domain.carts import Cart, CartStatus
from omni_order.domain.orders import Order, OrderStatus, PaymentStatus
from omni_order.domain.returns import OrderReturn
from omni_order.domain.values import ChannelRef, Money, SalesChannel
from omni_order.messages import from_message, to_message
from omni_order.store.documents import from_document, to_document

AT = datetime(2026, 11, 23, 10, 0, 0, 123000, tzinfo=UTC)


def money(amount: int, currency: str = "EUR") -> common_pb2.Money:
    return common_pb2.Money(amount_minor=amount, currency_code=currency)


def full_cart() -> order_pb2.Cart:
    """Every field set, as a cart is after lines were added and its price moved."""
    cart = order_pb2.Cart(
        id="cart_1",
        version=7,
        status=order_pb2.CART_STATUS_MERGED,
        customer_id="cus_1",
        channel=common_pb2.ChannelRef(channel=common_pb2.SALES_CHANNEL_MARKETPLACE, partner_id="p"),
        currency_code="EUR",
        subtotal=money(4500),
        item_count=3,
        has_price_changes=True,
        expires_at=to_timestamp(AT),
        merged_into_cart_id="cart_2",
        order_id="ord_1",
        created_at=to_timestamp(AT),
        updated_at=to_timestamp(AT),
    )
    cart.lines.add(
        line_id="cl_1",
        product_id="prod_1",
        sku="TEE-M",
        product_name="Tee",
        quantity=3,
        unit_price=money(1500),
        line_total=money(4500),
        listing_version=2,
        priced_at=to_timestamp(AT),
        current_unit_price=money(1700),
        price_changed=True,
        reservation_id="hold_1",
        hold_expires_at=to_timestamp(AT),
    )
    return cart


def new_cart() -> order_pb2.Cart:
    """A fresh anonymous cart as GetOrCreateCart stored it: an empty channel, a zero subtotal."""
    cart = order_pb2.Cart(
        id="cart_2",
        version=1,
        status=order_pb2.CART_STATUS_ACTIVE,
        anonymous_id="anon_1",
        channel=common_pb2.ChannelRef(),
        currency_code="EUR",
        created_at=to_timestamp(AT),
        updated_at=to_timestamp(AT),
        expires_at=to_timestamp(AT),
    )
    cart.subtotal.currency_code = "EUR"
    return cart


def test_a_stored_cart_reads_into_the_domain_and_writes_back_identically():
    for message in (full_cart(), new_cart()):
        document = stored_before(message)
        cart = from_document(document, Cart)
        assert to_document(cart) == document
        assert to_message(cart, order_pb2.Cart) == message
        assert from_message(message, Cart) == cart


def test_a_stored_cart_reads_as_its_domain_values():
    cart = from_document(stored_before(full_cart()), Cart)
    assert cart.status is CartStatus.MERGED
    assert cart.channel == ChannelRef(SalesChannel.MARKETPLACE, partner_id="p")
    assert cart.lines[0].current_unit_price == Money(1700, "EUR")
    assert cart.lines[0].hold_expires_at == AT
    assert stored_before(full_cart())["status"] == "CART_STATUS_MERGED"
    assert stored_before(full_cart())["lines"][0]["quantity"] == 3


def filled(message: Message, depth: int = 0) -> Message:
    """`message` with every field set to a value that is not its default, at every depth."""
    for field in message.DESCRIPTOR.fields:
        target = getattr(message, field.name)
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            target.update({"a": "1", "b": "2"})
        elif field.message_type is Timestamp.DESCRIPTOR:
            if field.is_repeated:
                target.add().CopyFrom(to_timestamp(AT))
            else:
                target.CopyFrom(to_timestamp(AT))
        elif field.message_type is not None:
            for _ in range(2 if field.is_repeated else 1):
                filled(target.add() if field.is_repeated else target, depth + 1)
        elif field.is_repeated:
            target.extend([_scalar(field), _scalar(field)])
        else:
            setattr(message, field.name, _scalar(field))
    return message


def _scalar(field: Any) -> Any:
    if field.enum_type is not None:
        return field.enum_type.values[-1].number
    if field.type == FieldDescriptor.TYPE_STRING:
        return f"{field.name}-1"
    if field.type == FieldDescriptor.TYPE_BOOL:
        return True
    if field.type in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
        return 1.5
    return 7


@pytest.mark.parametrize(
    ("message_type", "domain_type"),
    [(order_pb2.Cart, Cart), (order_pb2.Order, Order), (order_pb2.OrderReturn, OrderReturn)],
)
def test_every_field_at_every_depth_survives_the_store_and_the_api(message_type, domain_type):
    message = filled(message_type())
    document = stored_before(message)
    value = from_document(document, domain_type)
    assert to_document(value) == document
    assert to_message(value, message_type) == message


def test_an_order_as_checkout_stores_it_reads_back_identically():
    order = order_pb2.Order(
        id="ord_1",
        number="261123-ABCDEF",
        version=2,
        status=order_pb2.ORDER_STATUS_CONFIRMED,
        channel=common_pb2.ChannelRef(channel=common_pb2.SALES_CHANNEL_WEB),
        placed_at=to_timestamp(AT),
        totals=order_pb2.OrderTotals(
            subtotal=money(3000),
            delivery=money(499),
            discount=money(0),
            total=money(3499),
            refunded=money(0),
        ),
        saga=order_pb2.SagaState(
            step=order_pb2.SAGA_STEP_DONE,
            status=order_pb2.SAGA_STATUS_COMPLETED,
            updated_at=to_timestamp(AT),
        ),
    )
    order.delivery.mode = common_pb2.DELIVERY_MODE_CLICK_AND_COLLECT
    order.delivery.pickup_location_id = "loc_1"
    order.delivery.price.CopyFrom(money(0))
    order.lines.add(
        line_id="l1", sku="TEE-M", quantity=2, unit_price=money(1500), line_total=money(3000)
    )
    order.payments.add(
        id="pay_1",
        method=order_pb2.PAYMENT_METHOD_PAY_IN_STORE,
        status=order_pb2.PAYMENT_STATUS_PENDING,
        amount=money(3499),
    )
    order.history.add(
        at=to_timestamp(AT),
        action="placed",
        to_status=order.status,
        actor=common_pb2.Actor(kind=common_pb2.ACTOR_KIND_CUSTOMER, id="cus_1"),
        channel=order.channel,
    )
    document = stored_before(order)
    domain = from_document(document, Order)
    assert (domain.status, domain.payments[0].status) == (
        OrderStatus.CONFIRMED,
        PaymentStatus.PENDING,
    )
    assert domain.pickup is None and domain.payments[0].captured_amount is None
    assert domain.totals.total == Money(3499, "EUR")
    assert to_document(domain) == document
    assert to_message(domain, order_pb2.Order) == order


def test_an_enum_value_this_code_does_not_know_reads_as_the_default():
    document = stored_before(new_cart()) | {"status": "CART_STATUS_ARCHIVED"}
    assert from_document(document, Cart).status is CartStatus.UNSPECIFIED
