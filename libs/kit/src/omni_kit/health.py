"""A service's gRPC health that follows what it cannot serve without (its store, NATS).

Every `interval` seconds each dependency is checked; after `threshold` failures in a row the
service's health (the overall name "" and each of its gRPC services) goes NOT_SERVING, and back
to SERVING at the first round where every check passes. Each flip is logged. The `liveness` name
stays SERVING while the process runs: liveness and startup probes ask for it, so a lost store
takes a pod out of its Service without restarting it.

A check bounds itself (the store probe uses its own small client under PyMongo's own timeout).
A check that still runs past `timeout` counts as failed but is never cancelled: cancelling a
driver call midway can leave its connection pool in a state other callers then wait on. It is
left to finish, and that dependency is not checked again until it has.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from grpc_health.v1 import health, health_pb2

from omni_kit.logs import get_logger

log = get_logger("omni.health")

# The health name that says only "the process runs": never flipped by a dependency.
LIVENESS = "liveness"

Check = Callable[[], Awaitable[bool]]

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


class DependencyHealth:
    def __init__(
        self,
        servicer: health.aio.HealthServicer,
        *,
        interval: float,
        timeout: float,
        threshold: int,
    ) -> None:
        self._servicer = servicer
        self.interval = interval
        self.timeout = timeout
        self.threshold = threshold
        self._checks: dict[str, Check] = {}
        self._failures: dict[str, int] = {}
        self._running: dict[str, asyncio.Task[bool]] = {}
        self._names: Sequence[str] = ("",)
        self.serving = True

    def add(self, name: str, check: Check) -> None:
        """A dependency: `check` answers True while it is usable (an error counts as False)."""
        self._checks[name] = check
        self._failures[name] = 0

    def __bool__(self) -> bool:
        return bool(self._checks)

    async def start(self, names: Sequence[str]) -> None:
        """Mark the service (each of `names`) and its liveness SERVING."""
        self._names = names
        self.serving = True
        await self._servicer.set(LIVENESS, SERVING)
        await self._set(SERVING)

    async def run(self) -> None:
        """Check forever (a background task of the service)."""
        while True:
            await asyncio.sleep(self.interval)
            await self.check_once()

    async def check_once(self) -> None:
        for name, check in self._checks.items():
            if name not in self._running:  # a slow check is never stacked on itself
                self._running[name] = asyncio.create_task(_passes(check), name=f"health-{name}")
        await asyncio.wait(self._running.values(), timeout=self.timeout)
        for name in self._checks:
            task = self._running[name]
            passed = task.done() and task.result()
            if task.done():
                del self._running[name]
            self._failures[name] = 0 if passed else self._failures[name] + 1
        down = sorted(name for name, count in self._failures.items() if count >= self.threshold)
        serving = not down
        if serving == self.serving:
            return
        self.serving = serving
        await self._set(SERVING if serving else NOT_SERVING)
        if serving:
            log.info("health_serving")
        else:
            log.warning("health_not_serving", unreachable=down, checks_failed=self.threshold)

    async def stop(self) -> None:
        """Wait for checks still running (each bounds itself), so none outlives its client."""
        if self._running:
            await asyncio.wait(self._running.values(), timeout=self.timeout * 2)
        self._running.clear()

    async def _set(self, status: int) -> None:
        for name in self._names:
            await self._servicer.set(name, status)


async def _passes(check: Check) -> bool:
    try:
        return await check()
    except Exception:  # any failure of a check means "not usable now"
        return False
