from __future__ import annotations

import sys

import uvicorn

from omni_gateway.app import create_app
from omni_gateway.settings import GatewaySettings
from omni_kit.app import prepare_process
from omni_kit.localstack import port_is_free
from omni_kit.settings import load_settings


def main() -> None:
    settings = load_settings(GatewaySettings)
    if settings.http_port and not port_is_free(settings.http_port, settings.http_host):
        print(
            f"gateway: cannot listen on {settings.http_host}:{settings.http_port}: the port is "
            "already in use (set OMNI_GATEWAY_HTTP_PORT)",
            file=sys.stderr,
        )
        raise SystemExit(1)
    prepare_process(settings)
    uvicorn.run(
        create_app(settings),
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
