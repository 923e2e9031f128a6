"""The import worker beside the HTTP server: claims a job (omni_gateway.bulk.jobs), applies its
chunks in order and records after each one what its rows did: created (a new variant),
updated, unchanged, or failed with the line, the field and why. A row fails whole: everything
about it is checked (its product's fields agree with the product's other rows, its locations
exist, on hand stays at or above what is reserved) before any of it is written, and its stock
is written only once its product is."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections import Counter
from typing import Any

import grpc

from omni_gateway.bulk import stock
from omni_gateway.bulk.calls import BulkCalls
from omni_gateway.bulk.catalog import CatalogWriter, Group
from omni_gateway.bulk.categories import Categories, all_paths
from omni_gateway.bulk.jobs import Entry, Jobs, stored_row
from omni_gateway.bulk.rows import PRODUCT_FIELDS, ProductRow, RowError
from omni_kit.ids import new_id
from omni_kit.logs import get_logger

log = get_logger("omni.gateway.imports")
# Waits between applying a failed chunk again: doubling, at most this.
MAX_RETRY_WAIT_SECONDS = 30.0
# Worth applying the chunk again: a service away or slow for a moment, or a write that met a
# concurrent one (ABORTED, "retry at a higher level": the chunk is that level).
TRANSIENT = (
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED,
    grpc.StatusCode.ABORTED,
)
Errors = list[tuple[int, str, str]]


class ImportWorker:
    def __init__(
        self, jobs: Jobs, downstream: BulkCalls, poll_seconds: float, retry_seconds: float
    ) -> None:
        self.jobs = jobs
        self.downstream = downstream
        self.poll_seconds = poll_seconds
        self.retry_seconds = retry_seconds
        self.owner = new_id("worker")
        self.wake = asyncio.Event()

    async def run(self) -> None:
        while True:
            job = await self.jobs.claim(self.owner)
            if job is None:
                self.wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wake.wait(), self.poll_seconds)
                continue
            await self.work(job)

    async def work(self, job: dict[str, Any]) -> None:
        job_id = job["_id"]
        log.info("import_started", job_id=job_id, from_chunk=job["next_chunk"])
        try:
            chunk = Chunk(
                self.downstream,
                job_id,
                await stock.locations(self.downstream),
                Categories(self.downstream, await all_paths(self.downstream)),
                opening=job["stock"] == "opening",
            )
            for number in range(job["next_chunk"], job["chunks_total"]):
                entries = await self.jobs.chunk(job_id, number)
                counts, errors = await self._apply(chunk, job_id, number, entries)
                await self.jobs.record(job_id, errors)
                if not await self.jobs.progress(job_id, self.owner, number, len(entries), counts):
                    log.warning("import_taken_over", job_id=job_id)
                    return
        except Exception as error:  # a service down after retries: the job stops, said why
            log.exception("import_failed", job_id=job_id)
            await self.jobs.fail(
                job_id,
                f"stopped by an error of the platform ({_kind(error)}); rows before it are "
                "applied, and importing the file again applies the rest",
            )
            return
        await self.jobs.finish(job_id, self.owner)
        log.info("import_done", job_id=job_id)

    async def _apply(
        self, chunk: Chunk, job_id: str, number: int, entries: list[Entry]
    ) -> tuple[dict[str, int], Errors]:
        """A chunk applied, again after a service was slow or away for a while, for up to
        `retry_seconds` from its first failure (a chunk applies again to no change; its rows done
        the first time then count as unchanged)."""
        give_up_at: float | None = None
        for attempt in itertools.count():
            try:
                return await chunk.apply(entries)
            except grpc.aio.AioRpcError as error:
                now = time.monotonic()
                give_up_at = give_up_at or now + self.retry_seconds
                if error.code() not in TRANSIENT or now >= give_up_at:
                    raise
                log.warning("import_chunk_retried", job_id=job_id, chunk=number, error=str(error))
                await asyncio.sleep(min(2.0**attempt, MAX_RETRY_WAIT_SECONDS))
        raise AssertionError("unreachable")


class Chunk:
    """Applies one chunk of rows at a time, with what a job keeps between chunks."""

    def __init__(
        self,
        downstream: BulkCalls,
        job_id: str,
        locations: dict[str, str],
        categories: Categories,
        *,
        opening: bool,
    ) -> None:
        self.opening = opening
        self.downstream = downstream
        self.job_id = job_id
        self.locations = locations
        self.categories = categories
        self.catalog = CatalogWriter(downstream, job_id)

    async def apply(self, entries: list[Entry]) -> tuple[dict[str, int], Errors]:
        errors: Errors = []
        rows: list[tuple[int, ProductRow]] = []
        for entry in entries:
            if "row" in entry:
                rows.append((entry["line"], stored_row(entry)))
            else:
                errors.append((entry["line"], entry["field"], entry["reason"]))
        groups = await self._groups(rows, errors)
        skus = [row.sku for group in groups for _, row in group.rows]
        owners = await self.catalog.owners(skus)
        codes = {code for group in groups for _, row in group.rows for code in row.stock}
        held = await stock.levels(self.downstream, skus, [self.locations[c] for c in codes])
        for group in groups:
            self._check(group, owners, held, errors)
        live = [group for group in groups if group.failed is None and group.rows]
        await self.catalog.create([group for group in live if group.existing is None])
        await self.catalog.update([group for group in live if group.existing is not None])
        applied = [row for group in groups if group.failed is None for row in group.rows]
        stocked = await stock.apply(
            self.downstream, self.job_id, applied, self.locations, held, self.opening
        )
        counts: Counter[str] = Counter(failed=len(errors))
        for group in groups:
            if group.failed is not None:
                errors += [
                    (line, group.failed.field, group.failed.reason) for line, _ in group.rows
                ]
                counts["failed"] += len(group.rows)
                continue
            for _, row in group.rows:
                if row.sku in group.new_skus:
                    counts["created"] += 1
                elif group.changed or row.sku in stocked:
                    counts["updated"] += 1
                else:
                    counts["unchanged"] += 1
        return dict(counts), errors

    async def _groups(self, rows: list[tuple[int, ProductRow]], errors: Errors) -> list[Group]:
        """The rows by product, each row checked on its own and against its product's first
        row; a row that fails is left out (the others of its product go on)."""
        groups: dict[str, Group] = {}
        seen: set[str] = set()
        for line, row in rows:
            try:
                if row.sku in seen:
                    raise RowError("sku", f"{row.sku} is on an earlier row of this file")
                for code in row.stock:
                    if code not in self.locations:
                        raise RowError(f"stock.{code}", f"no location has the code {code!r}")
                group = groups.get(row.slug)
                if group is None:
                    ids = await self.categories.resolve(row.categories)
                    groups[row.slug] = Group(row.slug, [(line, row)], ids)
                    seen.add(row.sku)
                    continue
                for name, mine, theirs in zip(
                    PRODUCT_FIELDS, row.product_fields(), group.first.product_fields(), strict=True
                ):
                    if mine != theirs:
                        raise RowError(
                            name, f"differs from line {group.line}, another row of {row.slug}"
                        )
                group.rows.append((line, row))
                seen.add(row.sku)
            except RowError as error:
                errors.append((line, error.field, error.reason))
        return list(groups.values())

    def _check(
        self, group: Group, owners: dict[str, Any], held: stock.Levels, errors: Errors
    ) -> None:
        products = {
            owners[row.sku].id: owners[row.sku] for _, row in group.rows if row.sku in owners
        }
        others = [p for p in products.values() if p.slug != group.slug]
        if others:
            sku = next(row.sku for _, row in group.rows if owners.get(row.sku) is others[0])
            group.failed = RowError("sku", f"{sku} belongs to the product {others[0].slug!r}")
            return
        group.existing = next(iter(products.values()), None)
        kept = []
        for line, row in group.rows:
            try:
                stock.check_reserved(row, self.locations, held, self.opening)
                kept.append((line, row))
            except RowError as error:
                errors.append((line, error.field, error.reason))
        group.rows = kept


def _kind(error: Exception) -> str:
    """What stopped a job, for its operator: a service's status name, else the error's type."""
    if isinstance(error, grpc.aio.AioRpcError):
        return f"a service answered {error.code().name}"
    return type(error).__name__
