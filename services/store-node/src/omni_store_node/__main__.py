from __future__ import annotations

import uvicorn

from omni_kit.app import prepare_process
from omni_kit.settings import load_settings
from omni_store_node.server import create_app
from omni_store_node.settings import StoreNodeSettings


def main() -> None:
    settings = load_settings(StoreNodeSettings)
    prepare_process(settings)
    uvicorn.run(
        create_app(settings),
        host=settings.http_host,
        port=settings.http_port,
        log_level=settings.log_level.lower(),
        access_log=False,
        server_header=False,
    )


if __name__ == "__main__":
    main()
