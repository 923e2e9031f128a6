"""The rate-limit middleware's cost per request, alone: one Litestar app with a route that does
nothing, called in-process (no HTTP server, no other middleware) with and without the gateway's
client limit, its counts in a real store (SecantusDB, started here). The difference is the
middleware's: gateway CPU per request (this process) and the store's CPU per request (read from
/proc), for one busy client and for a new client on every request.

Run: `uv run python bench/ratelimit_cost.py [--requests 3000]`."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from harness.stack import machine
from litestar import Litestar, get
from litestar.datastructures import State

from omni_gateway.ratelimits import RateCounter, client_limit
from omni_gateway.security.tokens import TokenSigner
from omni_gateway.settings import GatewaySettings
from omni_kit import localstack
from omni_kit.store import mongo_client

SECRET = "bench-secret-" + "x" * 40


@get("/ok", sync_to_thread=False)
def ok() -> str:
    return "ok"


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def call(app: Litestar, address: str) -> int:
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/ok",
        "raw_path": b"/ok",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"bench")],
        "client": (address, 40000),
        "server": ("127.0.0.1", 8080),
    }
    status = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)  # type: ignore[arg-type]
    return status


async def measure(app: Litestar, store_pid: int, requests: int, *, new_clients: bool) -> dict:
    for n in range(200):  # warm-up
        await call(app, f"10.9.{n // 250}.{n % 250}" if new_clients else "10.0.0.1")
    cpu, store_cpu, wall = time.process_time(), cpu_seconds(store_pid), time.perf_counter()
    for n in range(requests):
        address = f"10.{n // 62500}.{n // 250 % 250}.{n % 250}" if new_clients else "10.0.0.1"
        status = await call(app, address)
        assert status == 200, status
    return {
        "gateway_cpu_us": (time.process_time() - cpu) / requests * 1e6,
        "store_cpu_us": (cpu_seconds(store_pid) - store_cpu) / requests * 1e6,
        "wall_us": (time.perf_counter() - wall) / requests * 1e6,
    }


async def main(requests: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="omni-bench-") as tmp:
        store = localstack.start_store(Path(tmp), localstack.free_port())
        try:
            mongo = mongo_client(localstack.mongo_uri(store.port), app_name="bench")
            settings = GatewaySettings(
                jwt_secret=SECRET,  # type: ignore[arg-type]
                rate_limit_per_minute=100_000_000,
            )
            state = {
                "rate_counter": RateCounter(mongo["bench_gateway"], 0.5),
                "tokens": TokenSigner(SECRET, timedelta(minutes=15)),
            }
            bare = Litestar([ok], state=State(state))
            limited = Litestar([ok], state=State(state), middleware=[client_limit(settings)])
            results: dict[str, Any] = {}
            for case, new_clients in (("one client", False), ("a new client each request", True)):
                without = await measure(bare, store.process.pid, requests, new_clients=new_clients)
                with_limit = await measure(
                    limited, store.process.pid, requests, new_clients=new_clients
                )
                results[case] = {
                    f"middleware_{key}": round(with_limit[key] - without[key], 1) for key in without
                } | {"app_alone_gateway_cpu_us": round(without["gateway_cpu_us"], 1)}
            await mongo.close()
        finally:
            store.stop()
    return {
        "scenario": f"rate-limit middleware cost per request, {requests} requests in-process",
        **results,
        "machine": machine(),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    result = asyncio.run(main(parser.parse_args().requests))
    print(json.dumps(result, indent=2))
    print("RESULT " + json.dumps(result))
