"""Wiring of the gateway: routes, error documents, OpenAPI, tracing."""

from __future__ import annotations

from litestar import Litestar
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin
from litestar.plugins.problem_details import ProblemDetailsConfig, ProblemDetailsPlugin

from omni_gateway.downstream import Downstream
from omni_gateway.routes.health import healthz, readyz
from omni_gateway.settings import GatewaySettings


def create_app(settings: GatewaySettings) -> Litestar:
    # gRPC channels belong to the server's event loop, so they are opened at startup.
    async def open_downstream(app: Litestar) -> None:
        app.state.downstream = Downstream(settings)

    async def close_downstream(app: Litestar) -> None:
        await app.state.downstream.close()

    return Litestar(
        route_handlers=[healthz, readyz],
        state=State({"settings": settings}),
        on_startup=[open_downstream],
        on_shutdown=[close_downstream],
        plugins=[ProblemDetailsPlugin(ProblemDetailsConfig(enable_for_all_http_exceptions=True))],
        openapi_config=OpenAPIConfig(
            title="Omni API",
            version="1.0.0",
            path="/schema",
            render_plugins=[ScalarRenderPlugin()],
        ),
    )
