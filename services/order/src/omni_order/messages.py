"""Domain objects <-> protobuf messages, at the service's edges only: the servicer's requests
and answers, the events it publishes, and what its clients send to the catalog and inventory.

A domain field maps to the message field of the same name: enums by their value name, times as
Timestamps, an optional part as the message field's presence. A domain field the message lacks
is an error at the first mapping, not a silent loss."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import Enum
from typing import Any, TypeVar

from google.protobuf import message_factory
from google.protobuf.descriptor import EnumDescriptor
from google.protobuf.message import Message

from omni.common.v1 import common_pb2
from omni.order.v1 import order_pb2
from omni_kit.protos import from_timestamp, to_timestamp
from omni_order.domain.carts import Cart
from omni_order.domain.orders import LineQuantity, Order
from omni_order.domain.returns import OrderReturn
from omni_order.domain.values import Actor, ChannelRef, Money
from omni_order.shapes import Shape, shapes

M = TypeVar("M", bound=Message)
T = TypeVar("T")
E = TypeVar("E", bound=Enum)


def to_message(value: Any, message_type: type[M]) -> M:
    message = message_type()
    _fill(message, value)
    return message


def message_fields(message_type: type[Message], fields: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments for `message_type(...)` from domain values (an event's fields)."""
    descriptor = message_type.DESCRIPTOR.fields_by_name
    return {name: _argument(descriptor[name], value) for name, value in fields.items()}


def _argument(field: Any, value: Any) -> Any:
    if isinstance(value, list):
        return [_argument(field, item) for item in value]
    if field.message_type is not None and not isinstance(value, Message):
        if isinstance(value, datetime):
            return to_timestamp(value)
        return to_message(value, message_factory.GetMessageClass(field.message_type))
    return _written(field, value)


def from_message(message: Message, cls: type[T]) -> T:
    fields = message.DESCRIPTOR.fields_by_name
    values: dict[str, Any] = {}
    for shape in shapes(cls):
        field = fields[shape.name]
        item = getattr(message, shape.name)
        if shape.repeated:
            values[shape.name] = [_read(shape, field, element) for element in item]
        elif shape.mapping:
            values[shape.name] = dict(item)
        elif shape.optional and not message.HasField(shape.name):
            continue
        else:
            values[shape.name] = _read(shape, field, item)
    return cls(**values)


def _fill(message: Message, value: Any) -> None:
    fields = message.DESCRIPTOR.fields_by_name
    for shape in shapes(type(value)):
        field = fields[shape.name]
        item = getattr(value, shape.name)
        target = getattr(message, shape.name)
        if shape.repeated and shape.nested:
            for element in item:
                _fill(target.add(), element)
        elif shape.repeated:
            target.extend(_written(field, element) for element in item)
        elif shape.mapping:
            target.update(item)
        elif item is None:
            continue
        elif shape.nested:
            target.SetInParent()
            _fill(target, item)
        elif isinstance(item, datetime):
            target.CopyFrom(to_timestamp(item))
        else:
            setattr(message, shape.name, _written(field, item))


def _written(field: Any, item: Any) -> Any:
    if isinstance(item, Enum):
        return field.enum_type.values_by_name[item.value].number
    return item


def _read(shape: Shape, field: Any, item: Any) -> Any:
    kind = shape.kind
    if shape.nested:
        return from_message(item, kind)
    if kind is datetime:
        return from_timestamp(item)
    if shape.enum:
        known = field.enum_type.values_by_number.get(item)
        return kind(known.name) if known is not None else next(iter(kind))
    return item


def member(cls: type[E], enum: EnumDescriptor, number: int) -> E:
    """The domain enum member of a request's enum number (UNSPECIFIED for one not known)."""
    known = enum.values_by_number.get(number)
    return cls(known.name) if known is not None else next(iter(cls))


def line_quantities(lines: Iterable[order_pb2.LineQuantity]) -> list[LineQuantity]:
    return [from_message(line, LineQuantity) for line in lines]


def channel_ref(message: common_pb2.ChannelRef) -> ChannelRef:
    return from_message(message, ChannelRef)


def channel_message(channel: ChannelRef) -> common_pb2.ChannelRef:
    return to_message(channel, common_pb2.ChannelRef)


def actor(message: common_pb2.Actor) -> Actor:
    return from_message(message, Actor)


def actor_message(value: Actor) -> common_pb2.Actor:
    return to_message(value, common_pb2.Actor)


def money(message: common_pb2.Money) -> Money:
    return from_message(message, Money)


def cart_message(cart: Cart) -> order_pb2.Cart:
    return to_message(cart, order_pb2.Cart)


def order_message(order: Order) -> order_pb2.Order:
    return to_message(order, order_pb2.Order)


def return_message(order_return: OrderReturn) -> order_pb2.OrderReturn:
    return to_message(order_return, order_pb2.OrderReturn)
