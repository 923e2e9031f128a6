"""Liveness and readiness: /healthz says the process runs, /readyz that its services answer."""

from __future__ import annotations

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
    """Ready when every service serves. Events are informational: without NATS the API serves,
    but webhooks wait and browse pages are only as fresh as the cache time."""

    ready: bool
    services: dict[str, ServiceStatus]
    events: EventsStatus


@get("/healthz", tags=["health"], summary="The gateway process is alive", sync_to_thread=False)
def healthz() -> Liveness:
    return Liveness(status="ok")


@get(
    "/readyz",
    tags=["health"],
    summary="Every downstream service is serving",
    responses={
        HTTP_503_SERVICE_UNAVAILABLE: ResponseSpec(
            data_container=Readiness,
            description="Some service is not serving; the body names each one's state",
        )
    },
)
async def readyz(state: State) -> Response[Readiness]:
    services = {
        name: ServiceStatus(status.lower())
        for name, status in (await state.downstream.health()).items()
    }
    ready = all(status is ServiceStatus.SERVING for status in services.values())
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
