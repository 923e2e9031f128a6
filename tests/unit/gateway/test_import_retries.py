"""The import worker's answer to a service that failed a chunk: applied again when the failure
may pass (away, slow, a concurrent write), the job stopped at once when it cannot, and a stopped
job says which status stopped it."""

from __future__ import annotations

import asyncio
from typing import Any

import grpc
import pytest

from omni_gateway.bulk.worker import ImportWorker


def failure(code: grpc.StatusCode) -> grpc.aio.AioRpcError:
    return grpc.aio.AioRpcError(code, grpc.aio.Metadata(), grpc.aio.Metadata(), "refused")


class Chunk:
    """Fails with these statuses, one per attempt, then applies."""

    def __init__(self, *codes: grpc.StatusCode) -> None:
        self.codes = list(codes)
        self.attempts = 0

    async def apply(self, entries: list[Any]) -> tuple[dict[str, int], list[Any]]:
        self.attempts += 1
        if self.codes:
            raise failure(self.codes.pop(0))
        return {"created": len(entries)}, []


class Jobs:
    def __init__(self) -> None:
        self.failed: dict[str, str] = {}

    async def fail(self, job_id: str, error: str) -> None:
        self.failed[job_id] = error


class Unreachable:
    """A gateway's bulk calls to an inventory service that is not there."""

    inventory = type("Inventory", (), {"ListStockLocations": None})()

    async def pages(self, method: Any, request: Any) -> Any:
        raise failure(grpc.StatusCode.UNAVAILABLE)
        yield  # an async generator that never gives a page


def worker(jobs: Any = None, retry_seconds: float = 60) -> ImportWorker:
    return ImportWorker(
        jobs or Jobs(),
        Unreachable(),  # type: ignore[arg-type]
        poll_seconds=1,
        retry_seconds=retry_seconds,
    )


@pytest.mark.parametrize(
    "code",
    [grpc.StatusCode.ABORTED, grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED],
)
def test_a_chunk_that_met_a_passing_failure_is_applied_again(code):
    chunk = Chunk(code)
    counts, errors = asyncio.run(worker()._apply(chunk, "imp_1", 0, [1, 2]))  # type: ignore[arg-type]
    assert (counts, errors, chunk.attempts) == ({"created": 2}, [], 2)


def test_a_chunk_refused_for_good_is_not_tried_again():
    chunk = Chunk(grpc.StatusCode.INVALID_ARGUMENT)
    with pytest.raises(grpc.aio.AioRpcError):
        asyncio.run(worker()._apply(chunk, "imp_1", 0, [1]))  # type: ignore[arg-type]
    assert chunk.attempts == 1


def test_a_chunk_failing_past_the_retry_time_stops_its_job():
    chunk = Chunk(grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.UNAVAILABLE)
    with pytest.raises(grpc.aio.AioRpcError):
        asyncio.run(worker(retry_seconds=0)._apply(chunk, "imp_1", 0, [1]))  # type: ignore[arg-type]
    assert chunk.attempts == 1


def test_a_stopped_job_names_the_status_that_stopped_it():
    jobs = Jobs()
    job = {"_id": "imp_2", "next_chunk": 0, "chunks_total": 1, "stock": "set"}
    asyncio.run(worker(jobs).work(job))
    assert "a service answered UNAVAILABLE" in jobs.failed["imp_2"]
