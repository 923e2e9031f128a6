"""The gateway as a real process on a free port (grpc.aio allows one event loop per process,
so the gateway never shares the test's loop with in-process services)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator

import httpx
import pytest

from omni_kit.localstack import free_port

StartGateway = Callable[..., str]


@pytest.fixture
def start_gateway() -> Iterator[StartGateway]:
    procs: list[subprocess.Popen[bytes]] = []

    def start(**settings: str) -> str:
        port = free_port()
        env = {f"OMNI_GATEWAY_{key.upper()}": value for key, value in settings.items()}
        env["OMNI_GATEWAY_HTTP_PORT"] = str(port)
        proc = subprocess.Popen(
            [sys.executable, "-m", "omni_gateway"],
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        procs.append(proc)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
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
