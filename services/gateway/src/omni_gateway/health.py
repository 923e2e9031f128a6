"""Liveness and readiness: /healthz says the process runs, /readyz that the gateway can serve.

Readiness depends only on what every request of the gateway needs: its own store (accounts,
API keys, rate limits, idempotency). Each downstream service's health is in the body for people
to read, but never makes the gateway unready: a route whose service is down answers 503 with
`Retry-After` (omni_gateway.problems) while every other route keeps working, so draining one
service's pod never takes the gateway out of its Service."""

from __future__ import annotations

import asyncio
from enum import StrEnum

from litestar import Response, get
from litestar.datastructures import State
from litestar.openapi.datastructures import ResponseSpec
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE

from omni_gateway.views.common import View


class ServiceStatus(StrEnum):
    """A service's gRPC health, or `unreachable` when it does not answer."""

    SERVING = "serving"
    NOT_SERVING = "not_serving"
    SERVICE_UNKNOWN = "service_unknown"
    UNKNOWN = "unknown"
    UNREACHABLE = "unreachable"


class EventsStatus(StrEnum):
    CONNECTED = "connected"
    UNAVAILABLE = "unavailable"


class Liveness(View):
    status: str


class Readiness(View):
    """Ready when the gateway's own store answers a ping within the readiness timeout. Services
    and events are informational: a route whose service is not serving answers 503 with
    Retry-After; without NATS the API serves, but webhooks wait and browse pages are only as
    fresh as the cache time."""

    ready: bool
    services: dict[str, ServiceStatus]
    events: EventsStatus


@get("/healthz", tags=["health"], summary="The gateway process is alive", sync_to_thread=False)
def healthz() -> Liveness:
    return Liveness(status="ok")


@get(
    "/readyz",
    tags=["health"],
    summary="The gateway can serve: its own store answers (downstream services are reported)",
    responses={
        HTTP_503_SERVICE_UNAVAILABLE: ResponseSpec(
            data_container=Readiness,
            description="The gateway's store does not answer; the body also names each "
            "service's state",
        )
    },
)
async def readyz(state: State) -> Response[Readiness]:
    ready, health = await asyncio.gather(state.store_probe.answers(), state.downstream.health())
    services = {name: ServiceStatus(status.lower()) for name, status in health.items()}
    connected = state.events_ready.is_set() and state.bus.connected
    return Response(
        Readiness(
            ready=ready,
            services=services,
            events=EventsStatus.CONNECTED if connected else EventsStatus.UNAVAILABLE,
        ),
        status_code=HTTP_200_OK if ready else HTTP_503_SERVICE_UNAVAILABLE,
        headers={} if ready else {"Retry-After": "5"},
    )


ROUTES = [healthz, readyz]
