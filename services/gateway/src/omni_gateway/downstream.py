"""The gateway's gRPC channels to the services, and their health."""

from __future__ import annotations

import asyncio

import grpc
from grpc import aio
from grpc_health.v1 import health_pb2, health_pb2_grpc

from omni_gateway.settings import GatewaySettings
from omni_kit.app import channel

SERVICES = ("catalog", "inventory", "order", "customer", "notification")


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

    async def health(self) -> dict[str, str]:
        """Each service's health status name (SERVING, NOT_SERVING, UNREACHABLE)."""
        names = list(self.channels)
        results = await asyncio.gather(*(self._check(name) for name in names))
        return dict(zip(names, results, strict=True))

    async def _check(self, name: str) -> str:
        stub = health_pb2_grpc.HealthStub(self.channels[name])
        try:
            reply = await stub.Check(
                health_pb2.HealthCheckRequest(service=""),
                timeout=self.settings.readiness_timeout_seconds,
            )
        except grpc.aio.AioRpcError:
            return "UNREACHABLE"
        return str(health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status))

    async def close(self) -> None:
        await asyncio.gather(*(ch.close() for ch in self.channels.values()))
