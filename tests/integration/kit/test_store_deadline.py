"""A call's deadline reaches the store: work the caller abandoned stops costing the store.

The kit's server interceptor runs every handler under PyMongo's client-side operation timeout,
so each command carries `maxTimeMS` = what is left of the gRPC deadline. SecantusDB checks
`maxTimeMS` in its scan loops (every 64 documents) and between aggregation stages."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import grpc
import pytest

from omni_kit.app import ServiceApp, channel
from omni_kit.settings import ServiceSettings
from omni_kit.store import mongo_client

SERVICE = "omni.test.v1.SlowStore"
# About 1 ms of store CPU each for the filter below on an idle machine (4 ms on a busy one): a
# scan of 3 s or more, long enough to be seen running after its caller gave up (800 took 0.9 s
# on an idle machine, over before the check below looked).
DOCUMENTS = 3000
# No index can serve it and each document costs a 200-element $reduce: a stand-in for the
# expensive read a caller gives up on (an unbounded list, a report over everything).
EXPENSIVE = {
    "$expr": {
        "$lt": [
            {"$reduce": {"input": "$a", "initialValue": 0, "in": {"$add": ["$$value", "$$this"]}}},
            0,
        ]
    }
}


class ProbeSettings(ServiceSettings):
    service_name: str = "slowstore"
    grpc_port: int = 0
    mongo_database: str = "unused"


def store_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def cpu_in_window(pid: int, start_after: float, seconds: float) -> float:
    await asyncio.sleep(start_after)
    before = store_cpu_seconds(pid)
    await asyncio.sleep(seconds)
    return store_cpu_seconds(pid) - before


# Store CPU seconds in half a second below which the store counts as idle.
IDLE = 0.08


async def busy_windows(pid: int) -> list[float]:
    """The store's CPU seconds in four half-second windows from half a second on."""
    return [await cpu_in_window(pid, 0.5 if i == 0 else 0, 0.5) for i in range(4)]


async def until_idle(pid: int, limit: float = 15.0) -> None:
    """Wait until the store is idle again (a scan from an earlier step has finished)."""
    stop = time.monotonic() + limit
    while time.monotonic() < stop:
        if await cpu_in_window(pid, 0, 0.3) < 0.05:
            return
    pytest.fail("the store stayed busy")


@pytest.fixture
async def heavy(mongo, db_name):
    collection = mongo[db_name]["heavy"]
    await collection.insert_many([{"_id": i, "a": list(range(200))} for i in range(DOCUMENTS)])
    return collection


async def test_a_call_abandoned_by_its_caller_stops_costing_the_store(
    heavy, mongo_uri, store_server
):
    pid = store_server.process.pid
    client = mongo_client(mongo_uri, app_name="slowstore")
    scanned = client[heavy.database.name]["heavy"]
    started: list[float] = []

    async def scan(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        started.append(time.monotonic())
        await scanned.find(EXPENSIVE).to_list(None)
        return b""

    app = ServiceApp(ProbeSettings())
    generic = grpc.method_handlers_generic_handler(
        SERVICE, {"Scan": grpc.unary_unary_rpc_method_handler(scan)}
    )
    app.add_service(SERVICE, lambda server: server.add_generic_rpc_handlers((generic,)))
    port = await app.start()
    try:
        await until_idle(pid)
        async with channel(f"127.0.0.1:{port}") as ch:
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await ch.unary_unary(f"/{SERVICE}/Scan")(b"", timeout=0.3)
        assert caught.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        assert started, "the handler ran"
        # Soon after the caller gave up the store is idle: the scan stopped at its maxTimeMS
        # instead of running its 3 s to the end (which would keep every half second below
        # busy). Several windows, so one burst from another client cannot decide it.
        windows = await busy_windows(pid)
        assert min(windows) < IDLE, windows
        cheap = time.monotonic()
        await heavy.find_one({"_id": 3})
        assert time.monotonic() - cheap < 0.1
    finally:
        await app.stop(grace=0)
        await client.close()

    # The same scan abandoned without a deadline reaching the store (what every call did
    # before): the caller is gone, the store keeps scanning.
    await until_idle(pid)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(heavy.find(EXPENSIVE).to_list(None), 0.3)
    # Measured the same way, it would not have been taken for idle.
    windows = await busy_windows(pid)
    assert min(windows) >= IDLE, windows
    await until_idle(pid, limit=90)  # the next test meets an idle store
    await until_idle(pid)
