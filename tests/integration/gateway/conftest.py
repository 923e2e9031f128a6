"""The gateway as a real process on a free port (grpc.aio allows one event loop per process,
so the gateway never shares the test's loop with the in-process services)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import jwt
import pytest
from pymongo import AsyncMongoClient

from omni_kit.localstack import free_port

JWT_SECRET = "test-secret-" + "x" * 40
ADMIN_PASSWORD = "admin-password-123"
STAFF_PASSWORD = "long enough pw"


class Launched:
    """A gateway process that has been started; `ready()` waits until it answers."""

    def __init__(self, proc: subprocess.Popen[bytes], base: str, log_path: Path) -> None:
        self.proc, self.base, self.log_path = proc, base, log_path

    def ready(self) -> str:
        # Generous: the machine may be busy, and with OMNI_GATEWAY_WORKERS each worker imports the
        # whole app in a fresh interpreter.
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(self.log_path.read_text())
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200:
                    return self.base
            except httpx.TransportError:
                time.sleep(0.1)
        raise TimeoutError("the gateway did not start")


class StartGateway:
    """Starts gateway processes (stopped at the test's end): `start(**settings)` returns the
    base URL once the gateway answers; `spawn` returns at once, so a test's services can start
    while the gateway imports (a few seconds of CPU)."""

    def __init__(self, mongo_uri: str, nats_url: str, db_name: str, tmp_path: Path) -> None:
        self.defaults = {
            "jwt_secret": JWT_SECRET,
            "admin_password": ADMIN_PASSWORD,
            "mongo_uri": mongo_uri,
            "mongo_database": f"{db_name}_gateway",
            "nats_url": nats_url,
            "webhook_allow_http": "true",
            "webhook_allow_private_networks": "true",
        }
        self.tmp_path = tmp_path
        self.procs: list[subprocess.Popen[bytes]] = []

    def __call__(self, **settings: str) -> str:
        return self.spawn(**settings).ready()

    def spawn(self, **settings: str) -> Launched:
        port = int(settings.pop("http_port", 0)) or free_port()
        values = {**self.defaults, "http_port": str(port), **settings}
        env = {f"OMNI_GATEWAY_{key.upper()}": value for key, value in values.items()}
        log_path = self.tmp_path / f"gateway-{port}.log"
        proc = subprocess.Popen(
            [sys.executable, "-m", "omni_gateway"],
            env={**os.environ, **env},
            stdout=log_path.open("wb"),
            stderr=subprocess.STDOUT,
        )
        self.procs.append(proc)
        return Launched(proc, f"http://127.0.0.1:{port}", log_path)

    def stop(self) -> None:
        for proc in self.procs:
            proc.terminate()
            proc.wait(30)


@pytest.fixture
def start_gateway(mongo_uri, nats_url, db_name, tmp_path: Path) -> Iterator[StartGateway]:
    gateways = StartGateway(mongo_uri, nats_url, db_name, tmp_path)
    yield gateways
    gateways.stop()


SERVICES = ["catalog", "inventory", "order", "customer", "notification"]


class Stack:
    """Five services in-process, the gateway as a process, and helpers to act as each audience."""

    def __init__(self, base: str, apps: dict, mongo_uri: str, nats_url: str, db_name: str) -> None:
        self.base = base
        self.apps = apps
        self.mongo_uri = mongo_uri
        self.nats_url = nats_url
        self.db_name = db_name
        self.http = httpx.AsyncClient(base_url=base, timeout=15)
        self.jwt_secret = JWT_SECRET
        self.admin_password = ADMIN_PASSWORD

    async def admin(self) -> dict[str, str]:
        return await self.staff_login("admin", ADMIN_PASSWORD)

    async def staff_login(self, username: str, password: str) -> dict[str, str]:
        """A staff member's session; one whose password an admin chose first sets it again as
        their own (what the gateway asks of them at their first sign-in)."""
        reply = await self.http.post(
            "/staff/v1/auth/token", json={"username": username, "password": password}
        )
        assert reply.status_code == 200, reply.text
        headers = {"Authorization": f"Bearer {reply.json()['access_token']}"}
        claims = jwt.decode(reply.json()["access_token"], options={"verify_signature": False})
        if claims.get("pwc"):
            own = await self.http.post(
                "/staff/v1/auth/password",
                json={"current_password": password, "new_password": password},
                headers=headers,
            )
            assert own.status_code == 200, own.text
            headers = {"Authorization": f"Bearer {own.json()['access_token']}"}
        return headers

    async def staff_member(self, username: str, role: str, store_ids: list[str]) -> dict[str, str]:
        """A staff user the admin creates, signed in."""
        created = await self.http.post(
            "/staff/v1/users",
            json={
                "username": username,
                "password": STAFF_PASSWORD,
                "role": role,
                "store_ids": store_ids,
            },
            headers=await self.admin(),
        )
        assert created.status_code == 201, created.text
        return await self.staff_login(username, STAFF_PASSWORD)

    async def customer(self, email: str, verified: bool = True) -> tuple[dict[str, str], dict]:
        """A registered customer; with `verified`, the address proven through the gateway's
        verify-email route (with a code this test puts in place of the e-mailed one)."""
        reply = await self.http.post(
            "/api/v1/auth/register", json={"email": email, "password": "correct horse battery"}
        )
        assert reply.status_code == 201, reply.text
        session = reply.json()
        if verified:
            session = await self.verify(email, session)
        return {"Authorization": f"Bearer {session['access_token']}"}, session

    async def verify(self, email: str, session: dict) -> dict:
        code = "424242"
        digest = hmac.new(
            self.jwt_secret.encode(), f"verify_email:{email}:{code}".encode(), hashlib.sha256
        ).hexdigest()
        client: AsyncMongoClient = AsyncMongoClient(self.mongo_uri)
        codes = client[f"{self.db_name}_gateway"]["account_codes"]
        wanted = {"purpose": "verify_email", "account": email}
        try:
            for _ in range(100):  # the e-mailed code is made after the answer: replace it
                if await codes.find_one(wanted) is not None:
                    break
                await asyncio.sleep(0.05)
            await codes.update_one(wanted, {"$set": {"digest": digest, "attempts": 0}})
        finally:
            await client.close()
        reply = await self.http.post(
            "/api/v1/auth/verify-email",
            json={"code": code},
            headers={"Authorization": f"Bearer {session['access_token']}"},
        )
        assert reply.status_code == 200, reply.text
        return dict(reply.json())

    async def partner(self, name: str, scopes: list[str]) -> tuple[str, dict[str, str]]:
        admin = await self.admin()
        partner = await self.http.post("/staff/v1/partners", json={"name": name}, headers=admin)
        assert partner.status_code == 201, partner.text
        partner_id = partner.json()["id"]
        key = await self.http.post(
            f"/staff/v1/partners/{partner_id}/api-keys", json={"scopes": scopes}, headers=admin
        )
        assert key.status_code == 201, key.text
        return partner_id, {"X-Api-Key": key.json()["api_key"]}


async def start_services(
    mongo_uri: str,
    nats_url: str,
    db_name: str,
    overrides: dict[str, dict] | None = None,
    ports: dict[str, int] | None = None,
) -> dict:
    """Every service in-process; `overrides`: more settings per service name; `ports`: the
    gRPC port of each (else any free one)."""
    import importlib

    apps = {}
    for name in SERVICES:
        settings_class = getattr(
            importlib.import_module(f"omni_{name}.settings"), f"{name.capitalize()}Settings"
        )
        # Each service calls the ones started before it (OMNI_<SELF>_<CALLEE>_ADDR).
        callees = {
            f"{callee}_addr": f"127.0.0.1:{app.port}"
            for callee, app in apps.items()
            if f"{callee}_addr" in settings_class.model_fields
        }
        settings = settings_class(
            grpc_port=(ports or {}).get(name, 0),
            mongo_uri=mongo_uri,
            nats_url=nats_url,
            mongo_database=f"{db_name}_{name}",
            **callees | (overrides or {}).get(name, {}),
        )
        app = await importlib.import_module(f"omni_{name}.server").create_app(settings)
        await app.start()
        apps[name] = app
    return apps


@pytest.fixture
def gateway_settings() -> dict[str, str]:
    """More settings for the stack's gateway: a test module overrides this fixture."""
    return {}


@pytest.fixture
def service_settings() -> dict[str, dict]:
    """More settings per service of the stack: a test module overrides this fixture."""
    return {}


@pytest.fixture
async def stack(start_gateway, mongo_uri, nats_url, db_name, gateway_settings, service_settings):
    ports = {name: free_port() for name in SERVICES}
    addresses = {f"{n}_addr": f"127.0.0.1:{port}" for n, port in ports.items()}
    gateway = start_gateway.spawn(**gateway_settings, **addresses)
    apps = await start_services(mongo_uri, nats_url, db_name, service_settings, ports)
    base = await asyncio.to_thread(gateway.ready)
    stack = Stack(base, apps, mongo_uri, nats_url, db_name)
    yield stack
    await stack.http.aclose()
    for app in apps.values():
        await app.stop(grace=0)
