"""A service's gRPC health that follows what it cannot serve without (its store, NATS).

Every `interval` seconds each dependency is checked (a cheap call, bounded by `timeout`); after
`threshold` failures in a row the service's health (the overall name "" and each of its gRPC
services) goes NOT_SERVING, and back to SERVING at the first check that passes again. Each flip
is logged. The `liveness` name stays SERVING while the process runs: liveness and startup probes
ask for it, so a lost store takes a pod out of its Service without restarting it.
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
        results = await asyncio.gather(*(self._passes(c) for c in self._checks.values()))
        for name, passed in zip(self._checks, results, strict=True):
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

    async def _passes(self, check: Check) -> bool:
        try:
            return await asyncio.wait_for(check(), self.timeout)
        except asyncio.CancelledError:
            raise
        except Exception:  # any failure of a check means "not usable now"
            return False

    async def _set(self, status: int) -> None:
        for name in self._names:
            await self._servicer.set(name, status)
