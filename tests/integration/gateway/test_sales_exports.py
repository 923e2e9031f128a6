"""Exports for BI tools through the gateway and `omni export`, against the real stack: order lines
and sales per channel and day in CSV and JSON lines, days cut at midnight in the asked time zone,
associates limited to their stores, bad input named, and memory that stays flat however many
orders are exported."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import subprocess
import tracemalloc
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from pymongo import AsyncMongoClient
from test_omni_cli import OMNI, cli_env
from test_orders import seed

from omni.common.v1 import common_pb2
from omni.inventory.v1 import inventory_pb2, inventory_pb2_grpc
from omni.order.v1 import order_pb2, order_pb2_grpc
from omni_gateway import sales_exports
from omni_kit.app import channel
from omni_kit.idempotency import call_metadata
from omni_kit.protos import to_timestamp
from omni_ops import exports as cli_exports

KYIV = ZoneInfo("Europe/Kyiv")
PARTNER = "bi-market"
# A day well past, so the orders placed "on it" are history by now.
DAY = datetime.now(UTC).date() - timedelta(days=20)


def kyiv_midnight_after(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(), KYIV).astimezone(UTC)


async def kyiv_store(stack, code: str, units: int) -> str:
    inventory_ch = channel(f"127.0.0.1:{stack.apps['inventory'].port}")
    inventory = inventory_pb2_grpc.InventoryServiceStub(inventory_ch)
    location = inventory_pb2.StockLocation(
        code=code,
        name=f"Omni {code}",
        kind=inventory_pb2.LOCATION_KIND_STORE,
        time_zone="Europe/Kyiv",
        address=common_pb2.Address(lines=["Khreshchatyk 1"], city="Kyiv", country_code="UA"),
        geo=common_pb2.GeoPoint(lat=50.45, lng=30.52),
        capabilities=inventory_pb2.LocationCapabilities(click_and_collect=True),
        active=True,
    )
    made = await inventory.CreateStockLocation(
        inventory_pb2.CreateStockLocationRequest(location=location)
    )
    await inventory.ReceiveStock(
        inventory_pb2.ReceiveStockRequest(
            location_id=made.location.id,
            lines=[inventory_pb2.StockQuantity(sku="TEE-M", quantity=units)],
        )
    )
    await inventory_ch.close()
    return made.location.id


async def import_orders(stack, store_id: str, placed: list[datetime], prefix: str) -> list[str]:
    """Marketplace orders of one TEE-M each, picked up at `store_id`, placed at these times
    (through the order service's import, which keeps the marketplace's time)."""
    order_ch = channel(f"127.0.0.1:{stack.apps['order'].port}", default_timeout=60)
    orders = order_pb2_grpc.OrderServiceStub(order_ch)
    gate = asyncio.Semaphore(8)

    async def one(number: int, at: datetime) -> str:
        ask = order_pb2.ImportMarketplaceOrderRequest(
            partner_id=PARTNER,
            partner_order_id=f"{prefix}-{number}",
            lines=[
                order_pb2.ImportLine(
                    sku="TEE-M",
                    quantity=1,
                    unit_price=common_pb2.Money(amount_minor=1400, currency_code="EUR"),
                )
            ],
            delivery=order_pb2.DeliveryChoice(
                mode=common_pb2.DELIVERY_MODE_CLICK_AND_COLLECT, pickup_location_id=store_id
            ),
            buyer=order_pb2.MarketplaceBuyer(name="Kim"),
            placed_at=to_timestamp(at),
        )
        async with gate:
            reply = await orders.ImportMarketplaceOrder(
                ask, metadata=call_metadata(f"{prefix}-{number}", "bi-test")
            )
        return str(reply.order.id)

    try:
        return list(await asyncio.gather(*(one(n, at) for n, at in enumerate(placed))))
    finally:
        await order_ch.close()


async def export(stack, headers, what: str, **params: str) -> httpx.Response:
    return await stack.http.get(f"/staff/v1/exports/{what}", params=params, headers=headers)


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def json_rows(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def as_csv_cells(row: dict) -> dict[str, str]:
    """A JSON line's values as its CSV row shows them."""
    return {
        key: "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
        for key, value in row.items()
    }


async def test_orders_and_sales_export_by_day_in_the_stores_time_zone(stack):
    stores = await seed(stack, partner_id=PARTNER)
    kyiv = await kyiv_store(stack, "KYIV-1", 10)
    midnight = kyiv_midnight_after(DAY)
    before, after = midnight - timedelta(minutes=1), midnight + timedelta(minutes=1)
    late, early = await import_orders(stack, kyiv, [before, after], "edge")
    admin = await stack.admin()
    day, next_day = str(DAY), str(DAY + timedelta(days=1))

    kyiv_day = {"from": day, "to": day, "time_zone": "Europe/Kyiv"}
    as_csv = await export(stack, admin, "orders", **kyiv_day)
    assert as_csv.status_code == 200, as_csv.text
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert f'filename="orders-{day}-{day}.csv"' in as_csv.headers["content-disposition"]
    header = as_csv.text.splitlines()[0].split(",")
    assert header == list(sales_exports.ORDER_COLUMNS)
    rows = csv_rows(as_csv.text)
    assert [r["order_id"] for r in rows] == [late]
    (row,) = rows
    assert row["placed_at_utc"] == before.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert row["placed_at_local"] == f"{day}T23:59:00+02:00"
    assert (row["time_zone"], row["store_id"], row["store_code"]) == ("Europe/Kyiv", kyiv, "KYIV-1")
    assert (row["channel"], row["partner_id"], row["delivery_mode"]) == (
        "marketplace",
        PARTNER,
        "click_and_collect",
    )
    assert (row["sku"], row["quantity"], row["unit_price_minor"], row["currency"]) == (
        "TEE-M",
        "1",
        "1400",
        "EUR",
    )
    assert row["status"] == "confirmed"

    as_jsonl = await export(stack, admin, "orders", format="jsonl", **kyiv_day)
    assert as_jsonl.headers["content-type"].startswith("application/x-ndjson")
    lines = json_rows(as_jsonl.text)
    assert [as_csv_cells(line) for line in lines] == rows
    assert lines[0]["quantity"] == 1 and lines[0]["line_total_minor"] == 1400

    # The next day in Kyiv starts a minute after the first order: the second is its.
    following = await export(
        stack, admin, "orders", **{"from": next_day, "to": next_day, "time_zone": "Europe/Kyiv"}
    )
    (second,) = csv_rows(following.text)
    assert (second["order_id"], second["placed_at_local"]) == (early, f"{next_day}T00:01:00+02:00")
    # In UTC both were placed on DAY (22:00 is midnight in Kyiv), local times still Kyiv's.
    utc_day = csv_rows((await export(stack, admin, "orders", **{"from": day, "to": day})).text)
    assert [r["order_id"] for r in utc_day] == [late, early]
    assert {r["time_zone"] for r in utc_day} == {"Europe/Kyiv"}
    # Another store's orders only: none here.
    mitte_only = await export(stack, admin, "orders", store_id=stores["MITTE"], **kyiv_day)
    assert csv_rows(mitte_only.text) == []
    assert mitte_only.text.splitlines() == [",".join(sales_exports.ORDER_COLUMNS)]

    sales = await export(
        stack,
        admin,
        "sales",
        format="jsonl",
        **{"from": day, "to": next_day, "time_zone": "Europe/Kyiv"},
    )
    assert sales.status_code == 200, sales.text
    assert json_rows(sales.text) == [
        {
            "day": d,
            "time_zone": "Europe/Kyiv",
            "channel": "marketplace",
            "currency": "EUR",
            "revenue_minor": 1400,
            "orders": 1,
            "units": 1,
            "refunded_minor": 0,
            "cancelled_orders": 0,
            # No tax rates in this shop: all of it is net.
            "net_minor": 1400,
            "tax_minor": 0,
            "refunded_tax_minor": 0,
            "discount_minor": 0,
        }
        for d in (day, next_day)
    ]
    sales_csv = await export(stack, admin, "sales", **{"from": day, "to": day})
    (utc_sales,) = csv_rows(sales_csv.text)
    assert (utc_sales["day"], utc_sales["orders"], utc_sales["revenue_minor"]) == (day, "2", "2800")

    # Associates export their stores' orders only, and no sales totals.
    at_kyiv = await stack.staff_member("kyiv.associate", "associate", [kyiv])
    at_mitte = await stack.staff_member("mitte.associate", "associate", [stores["MITTE"]])
    mine = await export(stack, at_kyiv, "orders", **kyiv_day)
    assert [r["order_id"] for r in csv_rows(mine.text)] == [late]
    assert csv_rows((await export(stack, at_mitte, "orders", **kyiv_day)).text) == []
    foreign = await export(stack, at_mitte, "orders", store_id=kyiv, **kyiv_day)
    assert foreign.status_code == 403, foreign.text
    assert (await export(stack, at_kyiv, "sales", **kyiv_day)).status_code == 403

    year_later = str(DAY + timedelta(days=366))
    for what, params, field in [
        ("orders", {"from": day, "to": day, "format": "xlsx"}, "format"),
        ("orders", {"from": next_day, "to": day}, "to"),
        ("orders", {"from": day, "to": year_later}, "to"),
        ("orders", {"from": "2026-13-01", "to": day}, "from"),
        ("orders", {"from": day, "to": "yesterday"}, "to"),
        ("orders", {"from": day, "to": day, "time_zone": "Mars/Olympus"}, "time_zone"),
        ("sales", {"from": day, "to": day, "format": "parquet"}, "format"),
        ("sales", {"from": "17.11.2026", "to": day}, "from"),
        ("sales", {"from": day, "to": year_later}, "to"),
        # Totals are kept per day in the order service's report zones only.
        ("sales", {"from": day, "to": day, "time_zone": "Asia/Tokyo"}, "time_zone"),
    ]:
        bad = await export(stack, admin, what, **params)
        assert bad.status_code == 422, (what, params, bad.text)
        assert bad.headers["content-type"].startswith("application/problem+json")
        assert bad.json()["errors"][0]["field"] == field, (what, params, bad.text)
    missing = await export(stack, admin, "orders", to=day)
    assert missing.status_code == 422, missing.text
    assert "'from'" in missing.json()["detail"]


def gateway_memory(base: str) -> dict[str, int]:
    """The gateway process's resident memory now and at its peak, in KiB (/proc)."""
    port = base.rsplit(":", 1)[1]
    for entry in Path("/proc").iterdir():
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
        except (OSError, ValueError):
            continue
        if f"OMNI_GATEWAY_HTTP_PORT={port}".encode() in environ:
            status = (entry / "status").read_text().splitlines()
            fields = dict(line.split(":", 1) for line in status if ":" in line)
            return {k: int(fields[k].split()[0]) for k in ("VmRSS", "VmHWM")}
    raise LookupError(f"no gateway process on port {port}")


async def streamed_rows(stack, headers, **params: str) -> int:
    """Rows of an export read as they arrive (nothing kept)."""
    rows = 0
    async with stack.http.stream(
        "GET", "/staff/v1/exports/orders", params=params, headers=headers, timeout=300
    ) as reply:
        assert reply.status_code == 200
        async for _ in reply.aiter_lines():
            rows += 1
    return rows - 1


class Discard(io.RawIOBase):
    def __init__(self) -> None:
        self.written = 0

    def writable(self) -> bool:
        return True

    def write(self, chunk) -> int:
        self.written += len(chunk)
        return len(chunk)


async def peak_export_memory(span: sales_exports.ExportRange) -> tuple[int, int, int]:
    """The export code's peak traced memory while writing the range: (peak bytes, rows, bytes
    written)."""
    sink = Discard()
    tracemalloc.start()
    try:
        rows = await cli_exports.write("orders", span, "csv", sink)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, rows, sink.written


async def copies_of(stack, order_id: str, placed: list[datetime]) -> None:
    """Copies of a stored order placed at these times, written straight into the order
    service's collection: 2,000 imports through the saga take many minutes on a shared machine,
    and the export reads the stored documents the same way whoever wrote them."""
    client: AsyncMongoClient = AsyncMongoClient(stack.mongo_uri)
    try:
        orders = client[f"{stack.db_name}_order"]["orders"]
        stored = await orders.find_one({"_id": order_id})
        assert stored is not None
        copies = []
        for n, at in enumerate(placed):
            copy = dict(stored)
            copy |= {
                "_id": f"ord_copy{n:05}",
                "number": f"COPY-{n:05}",
                "placed_at": at,
                "partner_order_id": f"copy-{n}",
                "partner_key": f"{PARTNER}:copy-{n}",
            }
            copies.append(copy)
        await orders.insert_many(copies)
    finally:
        await client.close()


@pytest.mark.timeout(900)  # on a shared machine
async def test_an_export_of_2000_orders_holds_one_page_in_memory(stack, monkeypatch):
    await seed(stack, partner_id=PARTNER)
    kyiv = await kyiv_store(stack, "KYIV-2", 10)
    start = datetime.combine(DAY, time(1), UTC)
    (first,) = await import_orders(stack, kyiv, [start - timedelta(days=5)], "bulk")
    # 200 orders on DAY, 1,800 the day after: a small export and a large one of the same shape.
    placed = [start + timedelta(seconds=30 * n) for n in range(200)]
    placed += [start + timedelta(days=1, seconds=30 * n) for n in range(1800)]
    await copies_of(stack, first, placed)
    admin = await stack.admin()
    day, next_day = str(DAY), str(DAY + timedelta(days=1))

    before = gateway_memory(stack.base)
    assert await streamed_rows(stack, admin, **{"from": day, "to": next_day}) == 2000
    after = gateway_memory(stack.base)
    print(
        f"gateway RSS before the 2,000-order export {before['VmRSS']} KiB, after "
        f"{after['VmRSS']} KiB; peak RSS before {before['VmHWM']} KiB, after {after['VmHWM']} KiB"
    )

    # The same code in this process (as `omni export` runs it), its allocations traced.
    for name, app in stack.apps.items():
        monkeypatch.setenv(f"OMNI_GATEWAY_{name.upper()}_ADDR", f"127.0.0.1:{app.port}")
    small = await peak_export_memory(sales_exports.export_range(DAY, DAY, "UTC"))
    large = await peak_export_memory(
        sales_exports.export_range(DAY, DAY + timedelta(days=1), "UTC")
    )
    print(
        f"traced peak: {small[1]} rows ({small[2]} bytes written) {small[0] // 1024} KiB; "
        f"{large[1]} rows ({large[2]} bytes written) {large[0] // 1024} KiB"
    )
    assert (small[1], large[1]) == (200, 2000)
    # Ten times the rows, ten times the bytes out; the peak is a page's, not the range's.
    assert large[2] > 9 * small[2]
    assert large[0] < 2 * small[0], (small, large)


@pytest.mark.timeout(600)  # each `omni` is a process of its own, on a shared machine
async def test_omni_export_writes_what_the_staff_api_gives(stack, tmp_path):
    await seed(stack, partner_id=PARTNER)
    kyiv = await kyiv_store(stack, "KYIV-3", 10)
    midnight = kyiv_midnight_after(DAY)
    await import_orders(
        stack, kyiv, [midnight - timedelta(hours=1), midnight + timedelta(hours=1)], "cli"
    )
    admin = await stack.admin()
    day, next_day = str(DAY), str(DAY + timedelta(days=1))
    env = {**os.environ, **cli_env(stack)}

    def omni(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [OMNI, "export", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )

    two_days = ["--from", day, "--to", next_day, "--time-zone", "Europe/Kyiv"]
    for what, fmt in (("orders", "csv"), ("sales", "jsonl")):
        out = tmp_path / f"{what}.{fmt}"
        done = await asyncio.to_thread(omni, what, *two_days, "--format", fmt, "--output", str(out))
        assert done.returncode == 0, done.stderr
        assert done.stderr.strip() == f"exported 2 {what} rows"
        params = {"from": day, "to": next_day, "time_zone": "Europe/Kyiv", "format": fmt}
        served = await export(stack, admin, what, **params)
        assert out.read_text() == served.text
    on_stdout = await asyncio.to_thread(
        omni, "orders", "--from", day, "--to", day, "--format", "jsonl", "--store-id", kyiv
    )
    assert on_stdout.returncode == 0, on_stdout.stderr
    assert [row["store_id"] for row in json_rows(on_stdout.stdout)] == [kyiv, kyiv]

    refused = await asyncio.to_thread(omni, "sales", "--from", next_day, "--to", day)
    assert refused.returncode == 2
    assert "--to" in refused.stderr and "before it starts" in refused.stderr
