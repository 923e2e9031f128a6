"""What the servicer's parts share: stores, ports and settings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from google.protobuf.message import Message
from pymongo.asynchronous.client_session import AsyncClientSession

from omni.common.v1 import common_pb2
from omni_kit.facts import Event
from omni_kit.idempotency import Idempotency, Work
from omni_order.carriers.wiring import Carriers
from omni_order.domain.orders import Order
from omni_order.messages import channel_ref
from omni_order.payments.registry import PaymentProviders
from omni_order.ports import Catalog, Inventory
from omni_order.saga import Saga
from omni_order.settings import OrderSettings
from omni_order.store import (
    CartStore,
    OrderStore,
    PaymentCallbackStore,
    ReturnStore,
    VoucherStore,
)
from omni_order.tax.channels import Taxes

R = TypeVar("R", bound=Message)


@dataclass
class Deps:
    settings: OrderSettings
    carts: CartStore
    orders: OrderStore
    returns: ReturnStore
    catalog: Catalog
    inventory: Inventory
    payments: PaymentProviders
    callbacks: PaymentCallbackStore
    saga: Saga
    idempotency: Idempotency
    carriers: Carriers
    taxes: Taxes
    vouchers: VoucherStore

    def saving(self, order: Order, events: Sequence[Event], response: R) -> Work[R]:
        """The write of a changed order and its events, answering `response`."""

        async def write(session: AsyncClientSession) -> R:
            await self.orders.write(session, order, events)
            return response

        return write


def unchanged(response: R) -> Work[R]:
    """The write of a request that changes nothing (already so): it only answers."""

    async def write(session: AsyncClientSession) -> R:
        return response

    return write


def channel_name(channel: common_pb2.ChannelRef) -> str:
    return channel_ref(channel).name


def chosen_channel(
    given: common_pb2.ChannelRef, fallback: common_pb2.ChannelRef
) -> common_pb2.ChannelRef:
    return given if given.channel else fallback
