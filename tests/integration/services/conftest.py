"""Start a service in-process on a free port against the real store and NATS."""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from grpc import aio

from omni_kit.app import ServiceApp, channel

StartService = Callable[..., Awaitable[aio.Channel]]


@pytest.fixture
async def start_service(mongo_uri, nats_url, db_name) -> AsyncIterator[StartService]:
    apps: list[ServiceApp] = []
    channels: list[aio.Channel] = []

    async def start(name: str, **overrides: str) -> aio.Channel:
        """The service `name` serving; `overrides` are settings (another service's address)."""
        settings_module = importlib.import_module(f"omni_{name}.settings")
        server_module = importlib.import_module(f"omni_{name}.server")
        settings_class = getattr(settings_module, f"{name.capitalize()}Settings")
        settings = settings_class(
            grpc_port=0,
            mongo_uri=mongo_uri,
            nats_url=nats_url,
            mongo_database=f"{db_name}_{name}",
            **overrides,
        )
        app = await server_module.create_app(settings)
        port = await app.start()
        start.addresses[name] = f"127.0.0.1:{port}"  # type: ignore[attr-defined]
        apps.append(app)
        channels.append(channel(f"127.0.0.1:{port}"))
        return channels[-1]

    start.addresses = {}  # type: ignore[attr-defined]
    yield start
    for ch in channels:
        await ch.close()
    for app in apps:
        await app.stop(grace=0)
