"""Runs the gateway: one process, or with OMNI_GATEWAY_WORKERS > 1 a supervisor and that many
worker processes sharing one listening socket (uvicorn's workers). Each worker is a whole
gateway: its own browse cache kept fresh by its own event subscriptions, its own webhook and
import workers (their claims are atomic), rate limits counted in the shared store. The
supervisor restarts a worker that dies and serves the workers' metrics together."""

from __future__ import annotations

import os
import sys
import tempfile
from typing import TYPE_CHECKING

import uvicorn

from omni_gateway.settings import GatewaySettings
from omni_kit.localstack import port_is_free
from omni_kit.logs import setup_logging
from omni_kit.metrics import MULTIPROCESS_DIR, start_multiprocess_metrics_server
from omni_kit.settings import load_settings

if TYPE_CHECKING:
    from litestar import Litestar


def main() -> None:
    settings = load_settings(GatewaySettings)
    if settings.http_port and not port_is_free(settings.http_port, settings.http_host):
        print(
            f"gateway: cannot listen on {settings.http_host}:{settings.http_port}: the port is "
            "already in use (set OMNI_GATEWAY_HTTP_PORT)",
            file=sys.stderr,
        )
        raise SystemExit(1)
    workers = settings.worker_processes()
    if workers == 1:
        from omni_gateway.app import create_app
        from omni_kit.app import prepare_process

        prepare_process(settings)
        serve(create_app(settings), settings, workers=1)
        return
    setup_logging(settings.service_name, settings.log_level)
    with tempfile.TemporaryDirectory(prefix="omni-gateway-metrics-") as metrics_dir:
        # Read by prometheus_client when each worker imports it: counts go to files here.
        os.environ[MULTIPROCESS_DIR] = metrics_dir
        start_multiprocess_metrics_server(metrics_dir, settings.metrics_port, settings.metrics_host)
        serve("omni_gateway.__main__:worker_app", settings, workers=workers)


def worker_app() -> Litestar:
    """One worker process's gateway (uvicorn calls this in each worker it starts)."""
    # Imported here, not at the top: the supervisor never needs the app (seconds of imports).
    from omni_gateway.app import create_app
    from omni_kit.app import prepare_process

    settings = load_settings(GatewaySettings)
    # The supervisor serves every worker's metrics from the shared folder.
    prepare_process(settings.model_copy(update={"metrics_port": 0}))
    return create_app(settings)


def serve(app: Litestar | str, settings: GatewaySettings, *, workers: int) -> None:
    uvicorn.run(
        app,
        factory=isinstance(app, str),
        workers=workers,
        # The supervisor kills a worker that does not answer its ping within this: 5 s (the
        # default) is too short for a busy node, where a killed worker resets its connections.
        timeout_worker_healthcheck=30,
        host=settings.http_host,
        port=settings.http_port,
        log_level=settings.log_level.lower(),
        access_log=False,
        server_header=False,  # no server name and version for anyone to look up
        # The client address is the socket peer; X-Forwarded-For is read only from the proxies
        # in OMNI_GATEWAY_TRUSTED_PROXIES (omni_gateway.ratelimits), never by uvicorn.
        proxy_headers=False,
        loop="uvloop",
        http="httptools",
    )


if __name__ == "__main__":
    main()
