"""Wiring of the gateway: routes, error documents, OpenAPI, tracing."""

from __future__ import annotations

from litestar import Litestar
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin
from litestar.plugins.problem_details import ProblemDetailsConfig, ProblemDetailsPlugin

from omni_gateway.downstream import Downstream
from omni_gateway.routes.health import healthz, readyz
from omni_gateway.settings import GatewaySettings


def create_app(settings: GatewaySettings) -> Litestar:
    downstream = Downstream(settings)

    async def close_downstream() -> None:
        await downstream.close()

    return Litestar(
        route_handlers=[healthz, readyz],
        state_dict={"downstream": downstream, "settings": settings},  # type: ignore[call-arg]
        on_shutdown=[close_downstream],
        plugins=[ProblemDetailsPlugin(ProblemDetailsConfig(enable_for_all_http_exceptions=True))],
        openapi_config=OpenAPIConfig(
            title="Omni API",
            version="1.0.0",
            path="/schema",
            render_plugins=[ScalarRenderPlugin()],
        ),
    )
