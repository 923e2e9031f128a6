"""The trace settings a process starts with: OMNI_*_OTLP_HEADERS go with every export to the
collector and OMNI_*_TRACE_SAMPLE_RATIO keeps that share of new traces. A real process exports
by OTLP/gRPC to a collector on a loopback port that records what it received."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import pytest
from grpc import aio
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc

SPANS = 40
PROCESS = f"""
from opentelemetry import trace
from omni_kit.app import prepare_process
from omni_kit.settings import ProcessSettings

prepare_process(ProcessSettings(service_name="probe"))
tracer = trace.get_tracer("probe")
for number in range({SPANS}):
    with tracer.start_as_current_span(f"span-{{number}}"):
        pass
trace.get_tracer_provider().shutdown()  # flushes the batch
"""


class Collector(trace_service_pb2_grpc.TraceServiceServicer):
    def __init__(self) -> None:
        self.spans = 0
        self.headers: list[dict[str, str]] = []

    async def Export(self, request, context):
        self.headers.append({k: str(v) for k, v in context.invocation_metadata()})
        self.spans += sum(
            len(scope.spans) for rs in request.resource_spans for scope in rs.scope_spans
        )
        return trace_service_pb2.ExportTraceServiceResponse()


@pytest.fixture
async def collector():
    server = aio.server()
    received = Collector()
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(received, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    yield received, port
    await server.stop(0)


async def run_process(port: int, **settings: str) -> None:
    # ProcessSettings has no prefix of its own: the variables are its field names.
    env = os.environ | {k.upper(): v for k, v in settings.items()}
    env["OTLP_ENDPOINT"] = f"http://127.0.0.1:{port}"
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", PROCESS, env=env, stderr=subprocess.PIPE
    )
    _, stderr = await proc.communicate()
    assert proc.returncode == 0, stderr.decode()[-2000:]


async def test_headers_go_with_every_export(collector):
    received, port = collector
    await run_process(port, otlp_headers="x-api-key=k-123,x-tenant=shop")
    assert received.spans == SPANS
    assert received.headers
    assert all(
        h.get("x-api-key") == "k-123" and h.get("x-tenant") == "shop" for h in received.headers
    )


async def test_the_sample_ratio_keeps_that_share_of_traces(collector):
    received, port = collector
    await run_process(port, trace_sample_ratio="0")
    assert received.spans == 0
    await run_process(port, trace_sample_ratio="0.5")
    assert 0 < received.spans < SPANS  # 40 traces at 1/2: all or none has odds of 2e-12
