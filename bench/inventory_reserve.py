"""Benchmark: 50 concurrent clients reserving one SKU (1 unit each) on a locally started
inventory service with a real store and NATS.

    uv run python bench/inventory_reserve.py [--clients 50] [--units 300] [--attempts 450]

Prints reservations/s, p50/p99 latency of successful and refused calls, and an oversell check
(reserved units == successful reservations, available never below zero); the last line is
`RESULT <json>` for bench/run.py. It reports; it asserts nothing about speed."""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import grpc
from harness.stack import machine

from omni.common.v1 import common_pb2
from omni.inventory.v1 import inventory_pb2, inventory_pb2_grpc
from omni_kit import localstack
from omni_kit.app import channel

SKU = "BENCH-SKU"


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def start_service(work: Path, mongo_uri: str, nats_url: str) -> localstack.LocalProcess:
    port = localstack.free_port()
    env = {
        "OMNI_INVENTORY_GRPC_PORT": str(port),
        "OMNI_INVENTORY_MONGO_URI": mongo_uri,
        "OMNI_INVENTORY_NATS_URL": nats_url,
        "OMNI_INVENTORY_MONGO_DATABASE": "bench_inventory",
        "OMNI_INVENTORY_LOG_LEVEL": "WARNING",
    }
    argv = [sys.executable, "-m", "omni_inventory"]
    proc = localstack.spawn("inventory", argv, port, work / "inventory.log", env=env)
    localstack.wait_for_port(proc)
    return proc


async def seed(stub: inventory_pb2_grpc.InventoryServiceAsyncStub, units: int) -> list[str]:
    locations = []
    for number, share in enumerate((units - 2 * (units // 3), units // 3, units // 3)):
        location = inventory_pb2.StockLocation(
            code=f"BENCH-{number}",
            name=f"Bench {number}",
            kind=inventory_pb2.LOCATION_KIND_WAREHOUSE,
            geo=common_pb2.GeoPoint(lat=52.0 + number, lng=13.0),
            capabilities=inventory_pb2.LocationCapabilities(ships=True),
        )
        created = await stub.CreateStockLocation(
            inventory_pb2.CreateStockLocationRequest(location=location)
        )
        locations.append(created.location.id)
        await stub.ReceiveStock(
            inventory_pb2.ReceiveStockRequest(
                location_id=created.location.id,
                lines=[inventory_pb2.StockQuantity(sku=SKU, quantity=share)],
            )
        )
    return locations


async def run(clients: int, units: int, attempts: int, target: str) -> dict[str, object]:
    ch = channel(target, default_timeout=60)
    stub = inventory_pb2_grpc.InventoryServiceStub(ch)
    await seed(stub, units)
    queue: asyncio.Queue[int] = asyncio.Queue()
    for number in range(attempts):
        queue.put_nowait(number)
    won: list[float] = []
    refused: list[float] = []
    errors: list[str] = []

    async def client() -> None:
        while not queue.empty():
            number = queue.get_nowait()
            request = inventory_pb2.ReserveStockRequest(
                reservation_id=f"bench-{number}",
                kind=inventory_pb2.RESERVATION_KIND_ORDER,
                lines=[inventory_pb2.StockQuantity(sku=SKU, quantity=1)],
            )
            started = time.perf_counter()
            try:
                await stub.ReserveStock(request)
                won.append(time.perf_counter() - started)
            except grpc.aio.AioRpcError as error:
                if error.code() == grpc.StatusCode.FAILED_PRECONDITION:
                    refused.append(time.perf_counter() - started)
                else:
                    errors.append(error.code().name)

    began = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    elapsed = time.perf_counter() - began

    levels = await stub.ListStockLevels(inventory_pb2.ListStockLevelsRequest(skus=[SKU]))
    reserved = sum(level.reserved for level in levels.stock_levels)
    on_hand = sum(level.on_hand for level in levels.stock_levels)
    negative = [
        level.location_id for level in levels.stock_levels if level.reserved > level.on_hand
    ]
    await ch.close()

    ms = 1000
    oversold = max(0, reserved - on_hand) + len(negative)
    consistent = reserved == len(won) and len(won) <= units
    print(f"clients={clients} units={units} attempts={attempts}")
    print(f"elapsed            {elapsed:8.2f} s")
    print(f"reservations/s     {len(won) / elapsed:8.1f}  (successful)")
    print(f"calls/s            {(len(won) + len(refused)) / elapsed:8.1f}  (all answered)")
    print(
        f"reserve p50 / p99  {percentile(won, 0.5) * ms:8.1f} / {percentile(won, 0.99) * ms:.1f} ms"
    )
    print(
        f"refuse  p50 / p99  {percentile(refused, 0.5) * ms:8.1f} / "
        f"{percentile(refused, 0.99) * ms:.1f} ms"
    )
    if won:
        print(f"mean reserve       {statistics.fmean(won) * ms:8.1f} ms")
    print(f"succeeded={len(won)} refused={len(refused)} errors={len(errors)} {sorted(set(errors))}")
    print(
        f"oversell check: on_hand={on_hand} reserved={reserved} successful={len(won)} "
        f"oversold={oversold} -> {'OK' if consistent and not oversold else 'MISMATCH'}"
    )
    return {
        "scenario": f"inventory reserve: {clients} clients, 1 unit each, one SKU over 3 locations",
        "reservations_per_s": round(len(won) / elapsed, 1),
        "calls_per_s": round((len(won) + len(refused)) / elapsed, 1),
        "reserve_p50_ms": round(percentile(won, 0.5) * ms, 1),
        "reserve_p99_ms": round(percentile(won, 0.99) * ms, 1),
        "refuse_p50_ms": round(percentile(refused, 0.5) * ms, 1),
        "refuse_p99_ms": round(percentile(refused, 0.99) * ms, 1),
        "succeeded": len(won),
        "refused": len(refused),
        "errors": len(errors),
        "oversold": oversold,
        "consistent": consistent,
        "machine": machine(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--units", type=int, default=300)
    parser.add_argument("--attempts", type=int, default=450)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="omni-bench-") as tmp:
        work = Path(tmp)
        store = localstack.start_store(work / "store", localstack.free_port())
        nats = localstack.start_nats(work / "nats", localstack.free_port())
        service = None
        try:
            service = start_service(
                work, localstack.mongo_uri(store.port), localstack.nats_url(nats.port)
            )
            target = f"127.0.0.1:{service.port}"
            result = asyncio.run(run(args.clients, args.units, args.attempts, target))
        finally:
            for proc in (service, nats, store):
                if proc is not None:
                    proc.stop()
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
