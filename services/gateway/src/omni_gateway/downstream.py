"""The gateway's gRPC channels to the services: stubs, call metadata, retries, health."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import grpc
from grpc import aio
from grpc_health.v1 import health_pb2

from omni.catalog.v1 import catalog_pb2_grpc
from omni.common.v1 import common_pb2
from omni.customer.v1 import customer_pb2_grpc
from omni.inventory.v1 import inventory_pb2_grpc
from omni.notification.v1 import notification_pb2_grpc
from omni.order.v1 import order_pb2_grpc, promotions_pb2_grpc, tax_pb2_grpc
from omni_gateway import idempotency
from omni_gateway.security.principals import Kind, Principal
from omni_gateway.settings import GatewaySettings
from omni_kit.app import channel
from omni_kit.idempotency import KEY_METADATA, was_replayed

SERVICES = ("catalog", "inventory", "order", "customer", "notification")
RETRYABLE = {grpc.StatusCode.UNAVAILABLE}
R = TypeVar("R")

ACTOR_KINDS = {
    Kind.CUSTOMER: common_pb2.ACTOR_KIND_CUSTOMER,
    Kind.ANONYMOUS: common_pb2.ACTOR_KIND_CUSTOMER,
    Kind.STAFF: common_pb2.ACTOR_KIND_STAFF,
    Kind.PARTNER: common_pb2.ACTOR_KIND_PARTNER,
}


def actor_of(principal: Principal) -> common_pb2.Actor:
    return common_pb2.Actor(kind=ACTOR_KINDS[principal.kind], id=principal.id)


class Downstream:
    def __init__(self, settings: GatewaySettings) -> None:
        self.settings = settings
        self.channels: dict[str, aio.Channel] = {
            name: channel(
                getattr(settings, f"{name}_addr"),
                default_timeout=settings.downstream_timeout_seconds,
            )
            for name in SERVICES
        }
        self.catalog = catalog_pb2_grpc.CatalogServiceStub(self.channels["catalog"])
        self.inventory = inventory_pb2_grpc.InventoryServiceStub(self.channels["inventory"])
        self.order = order_pb2_grpc.OrderServiceStub(self.channels["order"])
        self.tax = tax_pb2_grpc.TaxServiceStub(self.channels["order"])
        self.promotions = promotions_pb2_grpc.PromotionServiceStub(self.channels["order"])
        self.customer = customer_pb2_grpc.CustomerServiceStub(self.channels["customer"])
        self.notification = notification_pb2_grpc.NotificationServiceStub(
            self.channels["notification"]
        )

    async def call(
        self,
        method: Callable[..., Awaitable[R]],
        request: Any,
        *,
        idempotent: bool,
        metadata: tuple[tuple[str, str], ...] = (),
        seconds: float | None = None,
    ) -> R:
        """One call with the gateway's deadline (or `seconds`, for bulk work), carrying this
        request's idempotency key when it may change something (or the key given in
        `metadata`); UNAVAILABLE is retried only when repeating the call cannot do anything twice
        (reads, and changes carrying a key)."""
        calls = idempotency.current()
        own_key = any(name == KEY_METADATA for name, _ in metadata)  # the caller's key wins
        keyed = calls.metadata_for(request) if calls is not None and not own_key else ()
        attempts = 1 + (self.settings.downstream_retries if idempotent or keyed else 0)
        for attempt in range(attempts):
            try:
                call = method(
                    request,
                    timeout=seconds or self.settings.downstream_timeout_seconds,
                    metadata=(*metadata, *keyed),
                )
                response = await call
                if calls is not None and was_replayed(await call.trailing_metadata()):  # type: ignore[attr-defined]
                    calls.replayed = True
                return response
            except grpc.aio.AioRpcError as error:
                if error.code() not in RETRYABLE or attempt == attempts - 1:
                    raise
                await asyncio.sleep(0.05 * 2**attempt)
        raise AssertionError("unreachable")

    async def health(self) -> dict[str, str]:
        """Each service's health status name (SERVING, NOT_SERVING, UNREACHABLE)."""
        names = list(self.channels)
        results = await asyncio.gather(*(self._check(name) for name in names))
        return dict(zip(names, results, strict=True))

    async def _check(self, name: str) -> str:
        # The standard health method, called by its path: typeshed's HealthStub names none.
        check = self.channels[name].unary_unary(
            "/grpc.health.v1.Health/Check",
            request_serializer=health_pb2.HealthCheckRequest.SerializeToString,
            response_deserializer=health_pb2.HealthCheckResponse.FromString,
        )
        try:
            reply = await check(
                health_pb2.HealthCheckRequest(service=""),
                timeout=self.settings.readiness_timeout_seconds,
            )
        except grpc.aio.AioRpcError:
            return "UNREACHABLE"
        return str(health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status))

    async def close(self) -> None:
        await asyncio.gather(*(ch.close() for ch in self.channels.values()))
