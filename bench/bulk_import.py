"""Bulk import: a CSV file of 100,000 rows (25,000 products of 4 variants, prices on two
channels, stock at two locations) uploaded to the gateway as the `omni` CLI uploads it, the job
followed to the end. Reports rows per second, the upload's share, and the gateway's peak memory
(the file is streamed: the peak must not grow with the file).

What the rows cost, per row applied, from the end of the upload until the events they set off
have settled (every outbox sent, then SETTLE_SECONDS): store operations by service and by kind
(the store's own counters; see harness/storeops.py) and CPU seconds of each process."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from harness.profile import children, cpu_seconds
from harness.revision import revision_tree
from harness.stack import ADMIN, ROOT, Stack, machine, stack_of
from harness.storeops import Reading, read
from pymongo import AsyncMongoClient

from omni_gateway.bulk.rows import COLUMNS, Price, ProductRow
from omni_ops.bulk import StaffClient

ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
# `--rev REV`: the same import on that git revision's stack (this tree's load and measurement),
# to run beside a run of this tree so both meet the same machine.
REV = sys.argv[sys.argv.index("--rev") + 1] if "--rev" in sys.argv[:-1] else None
VARIANTS = 4
LOCATIONS = ("BENCH-STORE", "BENCH-WH")
SETTLE_SECONDS = 5.0
OUTBOXES = ("omni_catalog", "omni_inventory", "omni_order", "omni_customer", "omni_notification")


def write_file(path: Path, rows: int) -> None:
    import csv

    with path.open("w", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        for n in range(rows):
            product = n // VARIANTS
            writer.writerow(
                ProductRow(
                    slug=f"bench-product-{product}",
                    sku=f"BENCH-{product}-{n % VARIANTS}",
                    name=f"Bench product {product}",
                    brand="Bench",
                    categories=[f"/bench/group-{product % 20}"],
                    attributes={"material": ("cotton", "linen", "wool")[product % 3]},
                    options={"size": ("S", "M", "L", "XL")[n % VARIANTS]},
                    prices={"web": Price(1000 + product % 500, "EUR"), "pos": Price(990, "EUR")},
                    stock={LOCATIONS[0]: n % 7, LOCATIONS[1]: 10 + n % 13},
                ).to_csv()
            )


def make_locations(stack: Stack) -> None:
    with httpx.Client(base_url=stack.base_url, timeout=30) as http:
        token = http.post(
            "/staff/v1/auth/token", json={"username": ADMIN[0], "password": ADMIN[1]}
        ).json()["access_token"]
        for code in LOCATIONS:
            reply = http.post(
                "/staff/v1/locations",
                headers={"Authorization": f"Bearer {token}"},
                json={
                    "code": code,
                    "name": code,
                    "kind": "store" if code.endswith("STORE") else "warehouse",
                    "address": {"lines": ["1 Bench St"], "city": "Berlin", "postal_code": "10115"},
                    "time_zone": "Europe/Berlin",
                },
            )
            reply.raise_for_status()


def gateway_peak_kib(runner_pid: int) -> int | None:
    """VmHWM (peak resident memory) of the gateway process the runner started."""
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
            status = (proc / "status").read_text()
        except OSError:
            continue
        if b"omni_gateway" in cmdline and f"PPid:\t{runner_pid}\n" in status:
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    return None


async def settled(store: AsyncMongoClient[dict[str, Any]]) -> float:
    """Wait until every service's outbox has published everything, then SETTLE_SECONDS for the
    consumers; the seconds waited."""
    started = time.monotonic()
    for database in OUTBOXES:
        while await store[database]["outbox"].find_one({"sent_at": None}, {"_id": 1}):
            await asyncio.sleep(1)
    await asyncio.sleep(SETTLE_SECONDS)
    return round(time.monotonic() - started, 1)


def by_time(reading: Reading) -> Counter[str]:
    """The store's time, in microseconds, by database."""
    found: Counter[str] = Counter()
    for namespace, micros in reading.micros_by_collection.items():
        found[namespace.split(".", 1)[0]] += micros
    return found


def costs(
    start: Reading, end: Reading, cpu: tuple[dict[str, float], dict[str, float]], rows: int
) -> dict[str, object]:
    ops, by_database = end.minus(start)
    n = rows or 1
    return {
        "store_ops_per_row": round(sum(ops.values()) / n, 2),
        "store_ops_per_row_by_kind": {k: round(v / n, 2) for k, v in sorted(ops.items())},
        "store_ops_per_row_by_database": {
            k: round(v / n, 2) for k, v in sorted(by_database.items())
        },
        "store_ms_per_row_by_database": {
            database: round(micros / 1000 / n, 2)
            for database, micros in sorted((by_time(end) - by_time(start)).items())
        },
        "cpu_ms_per_row": {
            name: round((cpu[1][name] - cpu[0].get(name, 0.0)) * 1000 / n, 2)
            for name in sorted(cpu[1])
        },
    }


async def main() -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="omni-bulk-") as tmp:
        path = Path(tmp) / "products.csv"
        write_file(path, ROWS)
        size = path.stat().st_size
        with contextlib.ExitStack() as trees:
            root = trees.enter_context(revision_tree(REV)) if REV else ROOT
            stack = trees.enter_context(stack_of(root, {}))
            make_locations(stack)
            before = gateway_peak_kib(stack.pid)
            processes = children(stack.pid)
            store: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(stack.mongo_uri)
            uploaded_at: list[float] = []
            progress: list[float] = []

            def polled(job: dict[str, object]) -> None:
                if not uploaded_at:  # the first poll comes right after the upload
                    uploaded_at.append(time.monotonic())
                    print(f"  uploaded in {uploaded_at[0] - started:.0f} s", flush=True)
                elapsed = time.monotonic() - started
                if elapsed // 60 > len(progress):  # about once a minute
                    progress.append(elapsed)
                    print(f"  {elapsed:.0f} s: {job['rows_done']} rows applied", flush=True)

            def run_import() -> dict[str, Any]:
                with StaffClient(*ADMIN, base=stack.base_url) as client:
                    return client.import_file(path, "csv", polled, poll_seconds=1)

            started = time.monotonic()
            importing = asyncio.ensure_future(asyncio.to_thread(run_import))
            while not uploaded_at and not importing.done():
                await asyncio.sleep(0.2)
            first, cpu_first = await read(store), cpu_seconds(processes)
            job = await importing
            seconds = time.monotonic() - started
            applied_seconds = time.monotonic() - (uploaded_at[0] if uploaded_at else started)
            waited = await settled(store)
            last, cpu_last = await read(store), cpu_seconds(processes)
            await store.close()
            if job["state"] != "done":
                for log in sorted((stack.data_dir / "logs").glob("*.log")):
                    warnings = [line for line in log.read_text().splitlines() if "error" in line]
                    print(f"== {log.name}: the last errors\n" + "\n".join(warnings[-5:]))
            peak = gateway_peak_kib(stack.pid)
    upload = (uploaded_at[0] - started) if uploaded_at else seconds
    return {
        "revision": REV or "working tree",
        "scenario": f"bulk import: {ROWS:,} CSV rows ({ROWS // VARIANTS:,} products, 2 prices, "
        "2 locations) through POST /staff/v1/imports/products",
        "rows": ROWS,
        "file_mib": round(size / 2**20, 1),
        "state": job["state"],
        "error": job["error"],
        "created": job["created"],
        "unchanged": job["unchanged"],
        "failed": job["failed"],
        "seconds": round(seconds, 1),
        "upload_seconds": round(upload, 1),
        "rows_per_second": round(job["rows_done"] / seconds, 1),
        "applied_rows_per_second": round(job["rows_done"] / applied_seconds, 1),
        "settle_seconds": waited,
        **costs(first, last, (cpu_first, cpu_last), job["rows_done"]),
        "gateway_peak_rss_mib": {
            "before": round(before / 1024, 1) if before else None,
            "after": round(peak / 1024, 1) if peak else None,
        },
        "machine": machine(),
    }


if __name__ == "__main__":
    result = asyncio.run(main())
    print(json.dumps(result, indent=2))
    print("RESULT " + json.dumps(result))
