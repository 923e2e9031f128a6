"""Bulk import and export of products, prices and stock through the gateway against the real
stack: CSV and JSON Lines in, a second import of the same file changing nothing, refused rows
reported by line, field and reason with nothing of them written, progress while a job runs, a
job resumed by another gateway after its own was killed (SIGKILL), an export that imports again
to no change, and the `omni` CLI doing the same as a subprocess."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from omni_kit.localstack import free_port

OMNI = str(Path(sys.executable).with_name("omni"))
HEADER = "slug,status,brand,language,name,description,categories,attributes,sku,options,"
HEADER += "barcode,weight_grams,prices,stock\n"
SHIRTS = HEADER + (
    'linen-shirt,active,Omni Basics,en,Linen shirt,"Cool, light linen",/men/shirts,'
    "material=linen,LS-WHITE-M,colour=white|size=M,5901234123457,180,"
    "web=3999 EUR|pos=3799 EUR,GDA-01=5|WH-01=40\n"
    'linen-shirt,active,Omni Basics,en,Linen shirt,"Cool, light linen",/men/shirts,'
    "material=linen,LS-WHITE-L,colour=white|size=L,,190,web=3999 EUR|pos=3799 EUR,GDA-01=3\n"
    "wool-socks,draft,,en,Wool socks,,/men/socks|/sale,,WS-GREY,size=42,,60,"
    "web=999 EUR unpublished,WH-01=100\n"
)


@pytest.fixture
def gateway_settings() -> dict[str, str]:
    # Small chunks (a file is many of them); the worker wakes on uploads only, so a job is
    # worked by the gateway it was uploaded to until its lease (3 s) runs out.
    return {
        "import_chunk_rows": "3",
        "import_poll_seconds": "3600",
        "import_lease_seconds": "3",
    }


async def locations(stack, admin) -> dict[str, str]:
    ids = {}
    for code, kind in (("GDA-01", "store"), ("WH-01", "warehouse")):
        created = await stack.http.post(
            "/staff/v1/locations",
            json={
                "code": code,
                "name": f"Omni {code}",
                "kind": kind,
                "address": {"lines": ["Długa 2"], "city": "Gdańsk", "postal_code": "80-001"},
                "time_zone": "Europe/Warsaw",
                "flags": {"click_and_collect": kind == "store", "ships": True},
            },
            headers=admin,
        )
        assert created.status_code == 201, created.text
        ids[code] = created.json()["id"]
    return ids


async def upload(http: httpx.AsyncClient, admin, body: str | bytes, fmt: str) -> dict:
    data = body.encode() if isinstance(body, str) else body
    reply = await http.post(
        "/staff/v1/imports/products", params={"format": fmt}, content=data, headers=admin
    )
    assert reply.status_code == 202, reply.text
    assert reply.json()["rows_total"] is not None
    return reply.json()


async def finished(http: httpx.AsyncClient, admin, job_id: str, timeout: float = 120) -> dict:
    async with asyncio.timeout(timeout):
        while True:
            job = (await http.get(f"/staff/v1/imports/{job_id}", headers=admin)).json()
            if job["state"] in ("done", "failed"):
                return dict(job)
            await asyncio.sleep(0.1)


async def imported(stack, admin, body: str | bytes, fmt: str = "csv") -> dict:
    job = await finished(stack.http, admin, (await upload(stack.http, admin, body, fmt))["id"])
    assert job["state"] == "done", job
    return job


def counts(job: dict) -> tuple[int, int, int, int]:
    return job["created"], job["updated"], job["unchanged"], job["failed"]


async def errors(stack, admin, job_id: str) -> list[tuple[int, str, str]]:
    found, token = [], None
    while True:
        params = {"page_size": 2} | ({"page_token": token} if token else {})
        page = await stack.http.get(
            f"/staff/v1/imports/{job_id}/errors", params=params, headers=admin
        )
        assert page.status_code == 200, page.text
        found += [(e["line"], e["field"], e["reason"]) for e in page.json()["errors"]]
        token = page.json()["next_page_token"]
        if not token:
            return found


async def export(stack, admin, fmt: str) -> bytes:
    reply = await stack.http.get(
        "/staff/v1/exports/products", params={"format": fmt}, headers=admin
    )
    assert reply.status_code == 200, reply.text
    return reply.content


async def exported_skus(stack, admin) -> set[str]:
    return {json.loads(line)["sku"] for line in (await export(stack, admin, "jsonl")).splitlines()}


async def on_hand(stack, admin, sku: str) -> dict[str, int]:
    reply = await stack.http.get(f"/staff/v1/inventory/skus/{sku}/stock", headers=admin)
    assert reply.status_code == 200, reply.text
    return {x["location_id"]: x["on_hand"] for x in reply.json()["locations"]}


@pytest.mark.timeout(300)
async def test_csv_and_jsonl_import_once_and_export_round_trip(stack):
    admin = await stack.admin()
    ids = await locations(stack, admin)

    first = await imported(stack, admin, SHIRTS)
    assert (first["rows_total"], first["rows_done"], counts(first)) == (3, 3, (3, 0, 0, 0))
    shop = await stack.http.get(
        "/api/v1/catalog/products", params={"q": "linen"}, headers={"X-Omni-Channel": "web"}
    )
    assert [p["product"]["slug"] for p in shop.json()["items"]] == ["linen-shirt"], shop.text
    shirt = shop.json()["items"][0]["product"]
    assert shirt["status"] == "active" and shirt["texts"]["en"]["name"] == "Linen shirt"
    assert [v["sku"] for v in shirt["variants"]] == ["LS-WHITE-M", "LS-WHITE-L"]
    assert shirt["variants"][0]["attributes"] == {"colour": "white", "size": "M"}
    listings = await stack.http.get(
        f"/staff/v1/catalog/products/{shirt['id']}/listings", headers=admin
    )
    prices = {x["channel"]: x["price"]["amount_minor"] for x in listings.json()["items"]}
    assert prices == {"web": 3999, "pos": 3799}, listings.text
    assert await on_hand(stack, admin, "LS-WHITE-M") == {ids["GDA-01"]: 5, ids["WH-01"]: 40}
    assert await on_hand(stack, admin, "WS-GREY") == {ids["WH-01"]: 100}

    again = await imported(stack, admin, SHIRTS)
    assert counts(again) == (0, 0, 3, 0)

    # The same products as JSON Lines: one price and one count changed, one variant added.
    lines = [json.loads(line) for line in (await export(stack, admin, "jsonl")).splitlines()]
    assert {row["sku"] for row in lines} == {"LS-WHITE-M", "LS-WHITE-L", "WS-GREY"}
    medium = next(row for row in lines if row["sku"] == "LS-WHITE-M")
    medium["stock"]["GDA-01"] = 2
    large = next(row for row in lines if row["sku"] == "LS-WHITE-L")
    extra = dict(large, sku="LS-WHITE-XL", options={"colour": "white", "size": "XL"}, stock={})
    body = "\n".join(json.dumps(row) for row in [medium, large, extra]) + "\n"
    changed = await imported(stack, admin, body, "jsonl")
    assert counts(changed) == (1, 2, 0, 0)  # the new variant changes its product's other rows
    assert await on_hand(stack, admin, "LS-WHITE-M") == {ids["GDA-01"]: 2, ids["WH-01"]: 40}

    for fmt in ("csv", "jsonl"):
        exported = await export(stack, admin, fmt)
        back = await imported(stack, admin, exported, fmt)
        assert counts(back) == (0, 0, 4, 0), (fmt, exported.decode())


@pytest.mark.timeout(300)
async def test_bad_rows_are_reported_and_nothing_of_them_is_written(stack):
    admin = await stack.admin()
    ids = await locations(stack, admin)
    await imported(stack, admin, SHIRTS)
    body = HEADER + (
        # 2: fine
        "oak-table,active,,en,Oak table,,,,OAK-1,,,,web=49900 EUR,WH-01=2\n"
        # 3: the product's second row disagrees on its name
        "oak-table,active,,en,Oak TABLE,,,,OAK-2,,,,web=49900 EUR,\n"
        # 4: no such location
        "pine-table,active,,en,Pine table,,,,PINE-1,,,,web=29900 EUR,XX-99=1\n"
        # 5: the catalog refuses the attribute key (a '.'): that product, not its batch (6)
        "ash-table,active,,en,Ash table,,,a.b=1,ASH-1,,,,,WH-01=7\n"
        # 6: fine
        "teak-table,active,,en,Teak table,,,,TEAK-1,,,,,WH-01=1\n"
        # 7: the SKU is another product's
        "fake-shirt,active,,en,Fake,,,,LS-WHITE-M,,,,,\n"
        # 8: not a currency
        "elm-table,active,,en,Elm table,,,,ELM-1,,,,web=100 euro,\n"
        # 9: a draft cannot be published
        "birch-table,draft,,en,Birch,,,,BIRCH-1,,,,web=100 EUR,\n"
        # 10: too few cells
        "broken,row\n"
    )
    job = await imported(stack, admin, body)
    assert (job["rows_total"], counts(job)) == (9, (2, 0, 0, 7)), job
    reported = await errors(stack, admin, job["id"])
    assert [(line, field) for line, field, _ in reported] == [
        (3, "name"),
        (4, "stock.XX-99"),
        (5, "attributes"),
        (7, "sku"),
        (8, "prices.web"),
        (9, "prices.web"),
        (10, ""),
    ]
    reasons = dict((line, reason) for line, _, reason in reported)
    assert "XX-99" in reasons[4] and "linen-shirt" in reasons[7] and "line 2" in reasons[3]
    assert await exported_skus(stack, admin) == {
        "LS-WHITE-M",
        "LS-WHITE-L",
        "WS-GREY",
        "OAK-1",
        "TEAK-1",
    }
    for sku in ("PINE-1", "ELM-1", "OAK-2", "ASH-1", "BIRCH-1"):
        assert await on_hand(stack, admin, sku) == {}
    assert await on_hand(stack, admin, "LS-WHITE-M") != {}

    unknown = await stack.http.post(
        "/staff/v1/imports/products",
        params={"format": "csv"},
        content=b"slug,sku,name,colour\n",
        headers=admin,
    )
    assert unknown.status_code == 422, unknown.text
    assert "colour" in unknown.json()["detail"]
    guess = await stack.http.post("/staff/v1/imports/products", content=b"{}", headers=admin)
    assert guess.status_code == 422 and guess.json()["errors"][0]["field"] == "format"
    associate = await stack.staff_member("ola", "associate", [ids["GDA-01"]])
    refused = await stack.http.post(
        "/staff/v1/imports/products", params={"format": "csv"}, content=b"", headers=associate
    )
    assert refused.status_code == 403, refused.text
    assert (await stack.http.get("/staff/v1/imports/imp_nope", headers=admin)).status_code == 404


def many_rows(count: int, prefix: str) -> str:
    return HEADER + "".join(
        f"{prefix}-{n},active,,en,Item {n},,/bulk,,{prefix.upper()}-{n},,,,web={100 + n} EUR,"
        f"WH-01={n}\n"
        for n in range(count)
    )


@pytest.mark.timeout(300)
async def test_progress_can_be_polled_while_a_job_runs(stack):
    admin = await stack.admin()
    await locations(stack, admin)
    job = await upload(stack.http, admin, many_rows(30, "lamp"), "csv")
    seen = []
    async with asyncio.timeout(120):
        while job["state"] not in ("done", "failed"):
            job = (await stack.http.get(f"/staff/v1/imports/{job['id']}", headers=admin)).json()
            seen.append((job["state"], job["rows_done"]))
    assert job["state"] == "done" and counts(job) == (30, 0, 0, 0)
    done = [rows for _, rows in seen]
    assert done == sorted(done) and done[-1] == 30
    assert any(state == "running" and 0 < rows < 30 for state, rows in seen), seen


@pytest.fixture
def gateways(stack, tmp_path: Path):
    """More gateway processes on the stack's store and services; all stopped at the end."""
    procs: list[subprocess.Popen] = []

    def start(**settings: str) -> tuple[subprocess.Popen, int]:
        port = free_port()
        env = {
            "jwt_secret": stack.jwt_secret,
            "admin_password": stack.admin_password,
            "mongo_uri": stack.mongo_uri,
            "mongo_database": f"{stack.db_name}_gateway",
            "nats_url": stack.nats_url,
            "http_port": str(port),
            **{f"{name}_addr": f"127.0.0.1:{app.port}" for name, app in stack.apps.items()},
            **settings,
        }
        log = tmp_path / f"gateway-{port}.log"
        proc = subprocess.Popen(
            [sys.executable, "-m", "omni_gateway"],
            env={**os.environ, **{f"OMNI_GATEWAY_{k.upper()}": v for k, v in env.items()}},
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        procs.append(proc)
        deadline = time.monotonic() + 180  # generous: the machine may be busy
        while time.monotonic() < deadline:
            assert proc.poll() is None, log.read_text()
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    return proc, port
            except httpx.TransportError:
                time.sleep(0.1)
        raise TimeoutError("the gateway did not start")

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait(30)


@pytest.mark.timeout(600)
async def test_a_job_whose_gateway_was_killed_is_resumed_by_another(stack, gateways):
    admin = await stack.admin()
    await locations(stack, admin)
    settings = {"import_chunk_rows": "3", "import_lease_seconds": "2"}
    doomed, port = await asyncio.to_thread(gateways, **settings)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=15) as http:
        job = await upload(http, admin, many_rows(60, "vase"), "csv")
        async with asyncio.timeout(120):
            while job["rows_done"] < 9:
                job = (await http.get(f"/staff/v1/imports/{job['id']}", headers=admin)).json()
        assert job["state"] == "running", job
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(10)
    stopped = (await stack.http.get(f"/staff/v1/imports/{job['id']}", headers=admin)).json()
    assert stopped["state"] == "running" and stopped["rows_done"] < 60, stopped
    # Another gateway claims it once the dead one's lease has run out, where it stopped.
    await asyncio.to_thread(gateways, import_poll_seconds="0.5", **settings)
    resumed = await finished(stack.http, admin, job["id"], timeout=300)
    assert resumed["state"] == "done" and resumed["rows_done"] == 60, resumed
    assert sum(counts(resumed)) == 60 and resumed["failed"] == 0
    assert resumed["created"] >= stopped["created"]
    rows = (await export(stack, admin, "csv")).decode().splitlines()
    assert len([r for r in rows if r.startswith("vase-")]) == 60


async def omni(stack, *args: str) -> subprocess.CompletedProcess:
    env = {"OMNI_GATEWAY_URL": stack.base, "OMNI_ADMIN_PASSWORD": stack.admin_password}

    def call() -> subprocess.CompletedProcess:
        return subprocess.run(
            [OMNI, *args],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    return await asyncio.to_thread(call)


@pytest.mark.timeout(300)
async def test_the_cli_imports_and_exports_through_the_api(stack, tmp_path):
    admin = await stack.admin()
    await locations(stack, admin)
    source = tmp_path / "shirts.csv"
    source.write_text(SHIRTS + "bad-row,active,,en,Bad,,,,BAD-1,,,,,NOWHERE=1\n")
    first = await omni(stack, "import", "products", str(source), "--json")
    assert first.returncode == 2, first.stderr  # done, with a refused row
    report = json.loads(first.stdout)
    assert counts(report["job"]) == (3, 0, 0, 1)
    assert [(e["line"], e["field"]) for e in report["errors"]] == [(5, "stock.NOWHERE")]

    exported = tmp_path / "products.jsonl"
    out = await omni(stack, "export", "products", "--format", "jsonl", "-o", str(exported))
    assert out.returncode == 0, out.stderr
    assert len(exported.read_text().splitlines()) == 3
    again = await omni(stack, "import", "products", str(exported))
    assert again.returncode == 0, again.stderr
    assert "0 created, 0 updated, 3 unchanged, 0 refused" in again.stdout, again.stdout
    job_id = again.stdout.split()[1]
    listed = await stack.http.get(f"/staff/v1/imports/{job_id}", headers=admin)
    assert counts(listed.json()) == (0, 0, 3, 0)

    wrong = await omni(stack, "import", "products", str(source), "--username", "nobody")
    assert wrong.returncode == 1 and "401" in wrong.stderr, wrong.stderr


@pytest.mark.timeout(300)
async def test_an_import_still_tells_whoever_waits_for_its_stock_and_an_import_again_nobody(
    stack, loopback_receiver
):
    admin = await stack.admin()
    await locations(stack, admin)
    cleo, _ = await stack.customer("cleo@example.com")
    waiting = await stack.http.post(
        "/api/v1/me/back-in-stock-subscriptions",
        json={"sku": "MUG-7"},
        headers=cleo | {"X-Omni-Channel": "web"},
    )
    assert waiting.status_code == 201, waiting.text
    _, key = await stack.partner("market-one", ["webhooks:manage"])
    hook = await stack.http.post(
        "/partner/v1/webhooks",
        json={
            "url": f"http://127.0.0.1:{loopback_receiver.port}/stock",
            "event_types": ["omni.inventory.stock.back_in_stock"],
        },
        headers=key,
    )
    assert hook.status_code == 201, hook.text

    rows = many_rows(40, "mug")  # MUG-0 has no stock; the others come in
    first = await imported(stack, admin, rows)
    assert counts(first) == (40, 0, 0, 0)
    subscription = f"/api/v1/me/back-in-stock-subscriptions/{waiting.json()['id']}"

    async def notified() -> bool:
        reply = await stack.http.get(subscription, headers=cleo)
        return bool(reply.json()["status"] == "notified")

    def delivered() -> set[str]:
        # Webhooks are delivered at least once (a slow answer is tried again): count events.
        return {headers["Omni-Event-Id"] for _, headers in loopback_receiver.requests}

    async with asyncio.timeout(60):
        while not await notified():
            await asyncio.sleep(0.2)
        # Back in stock at its location and overall, for each of the 39 SKUs that came in.
        while len(delivered()) < 2 * 39:
            await asyncio.sleep(0.2)
        # Settled (no new event for 3 s), so a late one is not taken for the second import's.
        first_events: set[str] = set()
        while delivered() != first_events:
            first_events = delivered()
            await asyncio.sleep(3)
    types = {headers["Omni-Event-Type"] for _, headers in loopback_receiver.requests}
    assert types == {"omni.inventory.stock.back_in_stock"}

    again = await imported(stack, admin, rows)
    assert counts(again) == (0, 0, 40, 0)
    await asyncio.sleep(3)
    assert delivered() == first_events
