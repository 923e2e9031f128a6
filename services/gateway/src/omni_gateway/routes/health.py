"""Liveness and readiness: /healthz says the process runs, /readyz that its services answer."""

from __future__ import annotations

from typing import Any

from litestar import Response, get
from litestar.datastructures import State
from litestar.openapi.datastructures import ResponseSpec
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE


@get("/healthz", tags=["health"], summary="The gateway process is alive", sync_to_thread=False)
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@get(
    "/readyz",
    tags=["health"],
    summary="Every downstream service is serving",
    responses={
        HTTP_503_SERVICE_UNAVAILABLE: ResponseSpec(
            data_container=dict[str, Any],
            description="Some service is not serving; the body names each one's state",
        )
    },
)
async def readyz(state: State) -> Response[dict[str, object]]:
    services = await state.downstream.health()
    ready = all(status == "SERVING" for status in services.values())
    # Informational: without NATS the API serves, but webhooks wait and browse pages are only
    # as fresh as the cache time.
    events = "connected" if state.events_subscribed and state.bus.connected else "unavailable"
    return Response(
        {"status": "ready" if ready else "not ready", "services": services, "events": events},
        status_code=HTTP_200_OK if ready else HTTP_503_SERVICE_UNAVAILABLE,
        headers={} if ready else {"Retry-After": "5"},
    )
