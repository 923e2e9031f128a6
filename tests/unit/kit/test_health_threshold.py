"""The health flips: NOT_SERVING after the threshold of failed checks in a row, SERVING at the
first check that passes again; liveness never follows a dependency."""

from __future__ import annotations

import asyncio

from grpc_health.v1 import health, health_pb2

from omni_kit.health import LIVENESS, DependencyHealth

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


async def status(servicer: health.aio.HealthServicer, name: str) -> int:
    request = health_pb2.HealthCheckRequest(service=name)
    return (await servicer.Check(request, None)).status  # type: ignore[arg-type]


async def test_flips_after_the_threshold_and_back_at_the_first_pass():
    servicer = health.aio.HealthServicer()
    watched = DependencyHealth(servicer, interval=1, timeout=0.5, threshold=3)
    up = {"store": True, "nats": True}

    async def store() -> bool:
        return up["store"]

    async def nats() -> bool:
        if not up["nats"]:
            raise ConnectionError("gone")  # an error counts as a failed check
        return True

    watched.add("store", store)
    watched.add("nats", nats)
    await watched.start(["", "omni.test.v1.Probe"])
    assert await status(servicer, "") == SERVING

    up["store"] = False
    for _ in range(2):
        await watched.check_once()
        assert await status(servicer, "") == SERVING
    await watched.check_once()
    for name in ("", "omni.test.v1.Probe"):
        assert await status(servicer, name) == NOT_SERVING
    assert await status(servicer, LIVENESS) == SERVING

    up["store"] = True
    await watched.check_once()
    assert await status(servicer, "") == SERVING

    # A failure streak is counted per dependency and reset by a pass.
    up["nats"] = False
    await watched.check_once()
    await watched.check_once()
    up["nats"] = True
    await watched.check_once()
    up["nats"] = False
    await watched.check_once()
    await watched.check_once()
    assert await status(servicer, "") == SERVING


async def test_a_hanging_check_fails_at_the_timeout_and_is_never_cancelled():
    servicer = health.aio.HealthServicer()
    watched = DependencyHealth(servicer, interval=1, timeout=0.05, threshold=1)
    release = asyncio.Event()
    calls = 0
    finished = False

    async def hangs() -> bool:
        nonlocal calls, finished
        calls += 1
        await release.wait()
        finished = True  # reached only if the check was left to finish
        return True

    watched.add("store", hangs)
    await watched.start([""])
    await asyncio.wait_for(watched.check_once(), 1)
    assert await status(servicer, "") == NOT_SERVING
    await asyncio.wait_for(watched.check_once(), 1)
    assert calls == 1  # still running: not started a second time beside itself

    release.set()
    await asyncio.wait_for(watched.check_once(), 1)  # collects the finished check: it passed
    assert finished
    assert await status(servicer, "") == SERVING
    await watched.stop()
