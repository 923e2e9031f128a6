"""The gateway's own health: alive always, ready while its own store answers; each service's
state is reported, and never makes the gateway unready."""

from __future__ import annotations

import asyncio
import importlib
import json
from pathlib import Path

import httpx

from omni_kit import localstack
from omni_kit.app import ServiceApp
from omni_kit.localstack import free_port

SERVICES = ["catalog", "inventory", "order", "customer", "notification"]
COMMITTED_OPENAPI = Path(__file__).resolve().parents[3] / "api" / "openapi.json"


async def start_service(name: str, mongo_uri: str, nats_url: str, database: str) -> ServiceApp:
    settings_module = importlib.import_module(f"omni_{name}.settings")
    settings = getattr(settings_module, f"{name.capitalize()}Settings")(
        grpc_port=0, mongo_uri=mongo_uri, nats_url=nats_url, mongo_database=database
    )
    app = await importlib.import_module(f"omni_{name}.server").create_app(settings)
    await app.start()
    return app


async def test_ready_reports_services_without_depending_on_them(
    start_gateway, mongo_uri, nats_url, db_name
):
    apps = {
        name: await start_service(name, mongo_uri, nats_url, f"{db_name}_{name}")
        for name in SERVICES[:-1]
    }
    addresses = {f"{name}_addr": f"127.0.0.1:{app.port}" for name, app in apps.items()}
    addresses["notification_addr"] = f"127.0.0.1:{free_port()}"  # nothing listens there
    base = start_gateway(**addresses, readiness_timeout_seconds="0.5")
    try:
        async with httpx.AsyncClient(base_url=base) as client:
            assert (await client.get("/healthz")).status_code == 200

            ready = await client.get("/readyz")
            assert ready.status_code == 200
            assert ready.json()["ready"] is True
            statuses = ready.json()["services"]
            assert statuses["notification"] == "unreachable"
            assert statuses["catalog"] == "serving"

            await apps.pop("catalog").stop(grace=0)
            ready = await client.get("/readyz")
            assert ready.status_code == 200
            assert ready.json()["services"]["catalog"] != "serving"
    finally:
        for app in apps.values():
            await app.stop(grace=0)


async def test_ready_when_all_five_serve(start_gateway, mongo_uri, nats_url, db_name):
    apps = [await start_service(n, mongo_uri, nats_url, f"{db_name}_{n}") for n in SERVICES]
    base = start_gateway(
        **{f"{n}_addr": f"127.0.0.1:{a.port}" for n, a in zip(SERVICES, apps, strict=True)}
    )
    try:
        async with httpx.AsyncClient(base_url=base) as client:
            ready = await client.get("/readyz")
            assert ready.status_code == 200
            assert ready.json()["ready"] is True
            for _ in range(300):  # NATS is reached in the background, after HTTP is up
                if (await client.get("/readyz")).json()["events"] == "connected":
                    break
                await asyncio.sleep(0.1)
            assert (await client.get("/readyz")).json()["events"] == "connected"
    finally:
        for app in apps:
            await app.stop(grace=0)


def test_unknown_route_is_a_problem_document(start_gateway):
    reply = httpx.get(start_gateway() + "/api/v1/nowhere")
    assert reply.status_code == 404
    assert reply.headers["content-type"].startswith("application/problem+json")
    assert reply.json()["status"] == 404


def test_openapi_document_is_served(start_gateway):
    base = start_gateway()
    document = httpx.get(base + "/schema/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    # What scripts/gen_openapi.py writes without starting the gateway is what it serves.
    assert document == json.loads(COMMITTED_OPENAPI.read_text()), "run `make openapi`"
    assert {"/healthz", "/readyz"} <= set(document["paths"])
    # What a client (or a stateful test) can do next with a created resource: OpenAPI links.
    created = document["paths"]["/staff/v1/partners"]["post"]["responses"]["201"]
    issue_key = created["links"]["IssueKey"]
    assert issue_key["parameters"] == {"partner_id": "$response.body#/id"}
    target = document["paths"]["/staff/v1/partners/{partner_id}/api-keys"]["post"]
    assert issue_key["operationId"] == target["operationId"]
    # Bodies refuse fields they do not name, and the document says which values a field takes.
    schemas = document["components"]["schemas"]
    assert schemas["NewPartner"]["additionalProperties"] is False
    assert "orders:read" in schemas["NewApiKey"]["properties"]["scopes"]["items"]["enum"]
    assert httpx.get(base + "/schema").status_code == 200


async def test_not_ready_without_its_store(start_gateway, tmp_path):
    """The one thing the gateway cannot serve without: its own store (a private one, here)."""
    port = free_port()
    store = localstack.start_store(tmp_path / "store", port)
    try:
        base = start_gateway(mongo_uri=localstack.mongo_uri(port), readiness_timeout_seconds="0.5")
        async with httpx.AsyncClient(base_url=base) as client:
            assert (await client.get("/readyz")).status_code == 200
            store.kill()
            not_ready = await client.get("/readyz")
            assert not_ready.status_code == 503
            assert not_ready.headers["retry-after"]
            assert not_ready.json()["ready"] is False
            assert (await client.get("/healthz")).status_code == 200  # alive: not restarted
    finally:
        store.stop()
