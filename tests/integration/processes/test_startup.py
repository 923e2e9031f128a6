"""Processes as an operator starts them: bad settings, busy ports, SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from omni_kit.localstack import free_port

SERVICES = ["catalog", "inventory", "order", "customer", "notification"]


def run_module(
    module: str, env: dict[str, str], timeout: float = 90
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", module],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.mark.parametrize("service", SERVICES)
def test_a_malformed_setting_stops_the_service_with_one_line_naming_it(service):
    variable = f"OMNI_{service.upper()}_GRPC_PORT"
    result = run_module(f"omni_{service}", {variable: "fifty"})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert variable in lines[0]
    assert "integer" in lines[0]


def test_a_malformed_gateway_setting_names_it():
    result = run_module(
        "omni_gateway", {"OMNI_GATEWAY_LOG_LEVEL": "loud", "OMNI_GATEWAY_JWT_SECRET": "s" * 40}
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        line for line in result.stderr.strip().splitlines() if "OMNI_GATEWAY_LOG_LEVEL" in line
    ]
    assert "'DEBUG', 'INFO', 'WARNING', 'ERROR' or 'CRITICAL'" in result.stderr


def test_a_port_in_use_is_reported_not_a_stack_trace(mongo_uri, nats_url):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_module(
            "omni_catalog",
            {
                "OMNI_CATALOG_GRPC_PORT": str(port),
                "OMNI_CATALOG_MONGO_URI": mongo_uri,
                "OMNI_CATALOG_NATS_URL": nats_url,
            },
        )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"127.0.0.1:{port}" in result.stderr
    assert "already in use" in result.stderr


def test_a_missing_gateway_secret_is_named():
    result = run_module("omni_gateway", {"OMNI_GATEWAY_JWT_SECRET": ""})
    assert result.returncode == 2
    assert "OMNI_GATEWAY_JWT_SECRET" in result.stderr
    assert "at least 32 characters" in result.stderr


def test_gateway_port_in_use_is_reported():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_module(
            "omni_gateway",
            {"OMNI_GATEWAY_HTTP_PORT": str(port), "OMNI_GATEWAY_JWT_SECRET": "s" * 40},
        )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "already in use" in result.stderr


@pytest.mark.parametrize("service", SERVICES)
async def test_service_serves_health_and_stops_cleanly_on_sigterm(
    service, mongo_uri, nats_url, db_name
):
    port = free_port()
    prefix = f"OMNI_{service.upper()}_"
    env = {
        **os.environ,
        prefix + "GRPC_PORT": str(port),
        prefix + "MONGO_URI": mongo_uri,
        prefix + "MONGO_DATABASE": db_name,
        prefix + "NATS_URL": nats_url,
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", f"omni_{service}"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            reply = await stub.Check(
                health_pb2.HealthCheckRequest(), timeout=30, wait_for_ready=True
            )
            assert reply.status == health_pb2.HealthCheckResponse.SERVING
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, stderr
    assert '"event": "service_stopped"' in stderr
