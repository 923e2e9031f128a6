"""The gateway as a real process on a free port (grpc.aio allows one event loop per process,
so the gateway never shares the test's loop with the in-process services)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from omni_kit.localstack import free_port

JWT_SECRET = "test-secret-" + "x" * 40
ADMIN_PASSWORD = "admin-password-123"

StartGateway = Callable[..., str]


@pytest.fixture
def start_gateway(mongo_uri, nats_url, db_name, tmp_path: Path) -> Iterator[StartGateway]:
    procs: list[subprocess.Popen[bytes]] = []

    def start(**settings: str) -> str:
        port = free_port()
        values = {
            "jwt_secret": JWT_SECRET,
            "admin_password": ADMIN_PASSWORD,
            "mongo_uri": mongo_uri,
            "mongo_database": f"{db_name}_gateway",
            "nats_url": nats_url,
            "webhook_allow_http": "true",
            "webhook_allow_private_networks": "true",
            "http_port": str(port),
            **settings,
        }
        env = {f"OMNI_GATEWAY_{key.upper()}": value for key, value in values.items()}
        log = (tmp_path / f"gateway-{port}.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "omni_gateway"],
            env={**os.environ, **env},
            stdout=log,
            stderr=log,
        )
        procs.append(proc)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError((tmp_path / f"gateway-{port}.log").read_text())
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    return base
            except httpx.TransportError:
                time.sleep(0.1)
        raise TimeoutError("the gateway did not start")

    yield start
    for proc in procs:
        proc.terminate()
        proc.wait(10)
