"""What the notification service asks other services: may we contact this customer (customer
service), and is this SKU's listing published (catalog)."""

from __future__ import annotations

from datetime import datetime

import grpc
from grpc import aio

from omni.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from omni.customer.v1 import customer_pb2, customer_pb2_grpc
from omni_kit.app import channel
from omni_kit.protos import to_timestamp
from omni_notification.api import messages
from omni_notification.domain.common import ChannelRef, ContactChannel, ContactPurpose
from omni_notification.domain.routing import Permission


class CustomerUnknown(Exception):
    """The customer service has no such profile (or it was erased)."""


class NotReachable(Exception):
    """The other service did not answer usefully now; try again later."""


class Contacts:
    def __init__(self, customer_addr: str, catalog_addr: str, *, timeout: float) -> None:
        self.channels: list[aio.Channel] = [
            channel(customer_addr, default_timeout=timeout),
            channel(catalog_addr, default_timeout=timeout),
        ]
        self.customers = customer_pb2_grpc.CustomerServiceStub(self.channels[0])
        self.catalog = catalog_pb2_grpc.CatalogServiceStub(self.channels[1])
        self.timeout = timeout

    async def permission(
        self,
        customer_id: str,
        *,
        purpose: ContactPurpose | None,
        urgent: bool,
        only_channel: ContactChannel | None,
        at: datetime,
    ) -> Permission:
        request = customer_pb2.GetContactPermissionRequest(
            profile_id=customer_id,
            purpose=messages.purpose_number(purpose),
            urgent=urgent,
            channel=messages.channel_number(only_channel),
            at=to_timestamp(at),
        )
        try:
            reply = await self.customers.GetContactPermission(request, timeout=self.timeout)
        except aio.AioRpcError as error:
            if error.code() == grpc.StatusCode.NOT_FOUND:
                raise CustomerUnknown(error.details() or customer_id) from None
            raise NotReachable(f"customer service: {error.code().name} {error.details()}") from None
        return messages.permission(reply.permission)

    async def listing(self, sku: str, sales_channel: ChannelRef | None) -> tuple[bool, str]:
        """Whether the SKU's listing is published in that channel (False when the SKU is
        unknown), and the product's name."""
        request = catalog_pb2.GetProductBySkuRequest(
            sku=sku,
            channel=messages.channel_ref_message(sales_channel),
            include_unpublished=True,
        )
        try:
            reply = await self.catalog.GetProductBySku(request, timeout=self.timeout)
        except aio.AioRpcError as error:
            if error.code() == grpc.StatusCode.NOT_FOUND:
                return False, ""
            raise NotReachable(f"catalog: {error.code().name} {error.details()}") from None
        product = reply.product
        text = product.texts.get(product.default_language)
        return reply.listing.published, text.name if text else ""

    async def close(self) -> None:
        for each in self.channels:
            await each.close()
