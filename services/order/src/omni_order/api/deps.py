"""What the servicer's parts share: stores, ports and settings."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession

from omni.common.v1 import common_pb2
from omni_order.ports import Catalog, Inventory, PaymentProvider
from omni_order.saga import Saga
from omni_order.settings import OrderSettings
from omni_order.store import CartStore, OrderStore, ReturnStore

Transaction = Callable[[Callable[[AsyncClientSession], Awaitable[Any]]], Awaitable[Any]]


@dataclass
class Deps:
    settings: OrderSettings
    carts: CartStore
    orders: OrderStore
    returns: ReturnStore
    catalog: Catalog
    inventory: Inventory
    payments: PaymentProvider
    saga: Saga
    transaction: Transaction


def channel_name(channel: common_pb2.ChannelRef) -> str:
    name = common_pb2.SalesChannel.Name(channel.channel).removeprefix("SALES_CHANNEL_").lower()
    return f"{name} ({channel.partner_id})" if channel.partner_id else name


def chosen_channel(
    given: common_pb2.ChannelRef, fallback: common_pb2.ChannelRef
) -> common_pb2.ChannelRef:
    return given if given.channel else fallback
