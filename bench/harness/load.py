"""A small asyncio load generator: N concurrent clients, latency percentiles, throughput."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field


@dataclass
class Sample:
    latencies: list[float] = field(default_factory=list)
    outcomes: dict[str, int] = field(default_factory=dict)
    elapsed: float = 0.0

    def record(self, seconds: float, outcome: str) -> None:
        self.latencies.append(seconds)
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1

    def absorb(self, other: Sample) -> None:
        """Add another sample of the same case (a later turn of an interleaved run)."""
        self.latencies += other.latencies
        for outcome, count in other.outcomes.items():
            self.outcomes[outcome] = self.outcomes.get(outcome, 0) + count
        self.elapsed += other.elapsed

    def summary(self) -> dict[str, object]:
        ordered = sorted(self.latencies)
        return {
            "requests": len(ordered),
            "throughput_per_s": round(len(ordered) / self.elapsed, 1) if self.elapsed else 0.0,
            "p50_ms": _ms(percentile(ordered, 50)),
            "p95_ms": _ms(percentile(ordered, 95)),
            "p99_ms": _ms(percentile(ordered, 99)),
            "median_ms": _ms(statistics.median(ordered)) if ordered else None,
            "outcomes": dict(sorted(self.outcomes.items())),
        }


def percentile(ordered: list[float], pct: float) -> float | None:
    if not ordered:
        return None
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 2)


Operation = Callable[[int], Awaitable[str]]


async def run_clients(clients: int, operation: Operation, *, seconds: float) -> Sample:
    """`clients` workers call `operation(worker)` back to back for `seconds`; each call returns an
    outcome label (e.g. the HTTP status) and is timed."""
    sample = Sample()
    stop_at = time.perf_counter() + seconds

    async def worker(number: int) -> None:
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            outcome = await operation(number)
            sample.record(time.perf_counter() - started, outcome)

    started = time.perf_counter()
    await asyncio.gather(*(worker(n) for n in range(clients)))
    sample.elapsed = time.perf_counter() - started
    return sample


async def run_once_each(tasks: list[Callable[[], Awaitable[str]]]) -> Sample:
    """Fire every task at the same moment (a flash sale): one call each, all timed."""
    sample = Sample()
    gate = asyncio.Event()

    async def one(task: Callable[[], Awaitable[str]]) -> None:
        await gate.wait()
        started = time.perf_counter()
        outcome = await task()
        sample.record(time.perf_counter() - started, outcome)

    runners = [asyncio.create_task(one(task)) for task in tasks]
    await asyncio.sleep(0)
    started = time.perf_counter()
    gate.set()
    await asyncio.gather(*runners)
    sample.elapsed = time.perf_counter() - started
    return sample
