"""A centre (catalog and inventory in-process, the order service as a process) and a store node
process that reaches it through link proxies a test can SIGKILL and start again."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import jwt
from pymongo import AsyncMongoClient

from omni.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from omni.common.v1 import common_pb2
from omni_kit.app import ServiceApp, channel
from omni_kit.localstack import free_port

HERE = Path(__file__).parent
SKUS = {"TEE-M": 1999, "CAP": 500, "MUG": 750}
TILLS = ("till-1", "till-2", "till-3")


async def wait_until(check: Callable[[], Awaitable[bool]], within: float, what: Any) -> None:
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {within}s: {what() if callable(what) else what}")
        await asyncio.sleep(0.2)


def spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    out = log.open("ab")
    return subprocess.Popen(args, env={**os.environ, **env}, stdout=out, stderr=out)


def sigkill(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)


@dataclass
class Link:
    """One proxy per centre service the node calls: killed and started together."""

    targets: dict[str, int]
    log: Path
    ports: dict[str, int] = field(default_factory=dict)
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self) -> None:
        for name, target in self.targets.items():
            port = self.ports.setdefault(name, free_port())
            args = [sys.executable, str(HERE / "link_proxy.py"), str(port), str(target)]
            self.procs.append(spawn(args, {}, self.log))
        for port in self.ports.values():
            _wait_for_port(port)

    def kill(self) -> None:
        for proc in self.procs:
            sigkill(proc)
        self.procs.clear()


def _wait_for_port(port: int) -> None:
    import socket

    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"nothing listens on {port}")


@dataclass
class Centre:
    apps: dict[str, ServiceApp]
    order_env: dict[str, str]
    order_port: int
    log: Path
    mongo: AsyncMongoClient
    order_db: str
    order: subprocess.Popen[bytes] | None = None

    def start_order(self) -> None:
        self.order = spawn([sys.executable, "-m", "omni_order"], self.order_env, self.log)

    def kill_order(self) -> None:
        assert self.order is not None
        sigkill(self.order)

    async def sales(self) -> list[dict[str, Any]]:
        """Every till sale recorded at the centre: its id and what was paid."""
        orders = self.mongo[self.order_db]["orders"]
        cursor = orders.find(
            {"store_sale_id": {"$exists": True}}, {"store_sale_id": 1, "payments": 1}
        )
        return await cursor.to_list()

    async def quarantined(self) -> int:
        return await self.mongo[self.order_db]["store_sale_quarantine"].count_documents({})


async def seed_catalog(catalog_port: int) -> None:
    """Products sold in stores (published on the POS channel), each with one SKU."""
    ch = channel(f"127.0.0.1:{catalog_port}", default_timeout=30)
    catalog = catalog_pb2_grpc.CatalogServiceStub(ch)
    for sku, price in SKUS.items():
        product = catalog_pb2.Product(
            slug=sku.lower(),
            status=catalog_pb2.PRODUCT_STATUS_ACTIVE,
            default_language="en",
            texts={"en": catalog_pb2.LocalizedText(name=sku.title())},
            variants=[catalog_pb2.Variant(sku=sku)],
        )
        created = (
            await catalog.CreateProduct(catalog_pb2.CreateProductRequest(product=product))
        ).product
        await catalog.UpsertChannelListing(
            catalog_pb2.UpsertChannelListingRequest(
                listing=catalog_pb2.ChannelListing(
                    product_id=created.id,
                    channel=common_pb2.ChannelRef(channel=common_pb2.SALES_CHANNEL_POS),
                    published=True,
                    price=common_pb2.Money(amount_minor=price, currency_code="EUR"),
                )
            )
        )
    await ch.close()


@dataclass
class StoreNode:
    env: dict[str, str]
    port: int
    journal: Path
    log: Path
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = spawn([sys.executable, "-m", "omni_store_node"], self.env, self.log)

    def kill(self) -> None:
        assert self.proc is not None
        sigkill(self.proc)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            sigkill(self.proc)

    async def status(self, http: httpx.AsyncClient) -> dict[str, Any]:
        reply = await http.get(f"http://127.0.0.1:{self.port}/pos/v1/status")
        reply.raise_for_status()
        return reply.json()

    async def ready(self, http: httpx.AsyncClient) -> bool:
        try:
            return bool((await self.status(http))["prices_loaded_at"])
        except httpx.HTTPError:
            return False

    def journal_rows(self) -> list[sqlite3.Row]:
        """The node's journal as it is on disk (read-only)."""
        db = sqlite3.connect(f"file:{self.journal}?mode=ro", uri=True)
        db.row_factory = sqlite3.Row
        try:
            return db.execute("SELECT * FROM sales ORDER BY seq").fetchall()
        finally:
            db.close()

    def forget_progress(self) -> None:
        """As if the node had never heard back from the centre: every sale, shift open and
        shift close waits again (the node is stopped)."""
        db = sqlite3.connect(self.journal)
        db.execute("UPDATE sales SET state = 'waiting', order_id = ''")
        db.execute(
            """UPDATE shifts SET open_state = 'waiting',
            close_state = CASE WHEN closed_at IS NULL THEN '' ELSE 'waiting' END"""
        )
        db.commit()
        db.close()


async def sell(http: httpx.AsyncClient, node: StoreNode, till: str, n: int) -> tuple[dict, float]:
    """One sale from a till; the receipt and how long it took (seconds)."""
    sku = list(SKUS)[n % len(SKUS)]
    body = {
        "sale_id": str(uuid.uuid4()),
        "till_id": till,
        "tender": "card" if n % 2 else "cash",
        "lines": [{"sku": sku, "quantity": 1 + n % 3}],
    }
    started = time.perf_counter()
    reply = await http.post(f"http://127.0.0.1:{node.port}/pos/v1/sales", json=body)
    took = time.perf_counter() - started
    assert reply.status_code == 201, reply.text
    return reply.json(), took


async def sell_from_tills(
    http: httpx.AsyncClient, node: StoreNode, per_till: int
) -> tuple[list[dict], list[float]]:
    """Each till sells one customer after another; the tills sell at once."""

    async def till(name: str) -> list[tuple[dict, float]]:
        return [await sell(http, node, name, n) for n in range(per_till)]

    results = [pair for pairs in await asyncio.gather(*map(till, TILLS)) for pair in pairs]
    return [receipt for receipt, _ in results], [took for _, took in results]


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


@dataclass
class StoreStack:
    centre: Centre
    link: Link
    node: StoreNode
    http: httpx.AsyncClient
    # The centre's services running in the test's process, by name.
    apps: dict[str, ServiceApp] = field(default_factory=dict)


JWT_SECRET = "store-node-test-secret-" + "x" * 40
ADMIN_PASSWORD = "admin-password-123"
STAFF_PASSWORD = "long enough pw"


@dataclass
class Gateway:
    """The centre's gateway as a process (grpc.aio wants its own event loop), for the staff API."""

    env: dict[str, str]
    port: int
    log: Path
    proc: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.proc = spawn([sys.executable, "-m", "omni_gateway"], self.env, self.log)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            sigkill(self.proc)

    async def ready(self, http: httpx.AsyncClient) -> bool:
        try:
            return (await http.get(f"{self.base}/healthz")).status_code == 200
        except httpx.TransportError:
            return False

    async def sign_in(self, http: httpx.AsyncClient, username: str, password: str) -> dict:
        """A staff session; an account whose password an admin chose sets it again first."""
        reply = await http.post(
            f"{self.base}/staff/v1/auth/token", json={"username": username, "password": password}
        )
        assert reply.status_code == 200, reply.text
        headers = {"Authorization": f"Bearer {reply.json()['access_token']}"}
        claims = jwt.decode(reply.json()["access_token"], options={"verify_signature": False})
        if claims.get("pwc"):
            reply = await http.post(
                f"{self.base}/staff/v1/auth/password",
                json={"current_password": password, "new_password": password},
                headers=headers,
            )
            assert reply.status_code == 200, reply.text
            headers = {"Authorization": f"Bearer {reply.json()['access_token']}"}
        return headers

    async def staff_member(
        self, http: httpx.AsyncClient, username: str, role: str, store_ids: list[str]
    ) -> dict:
        admin = await self.sign_in(http, "admin", ADMIN_PASSWORD)
        created = await http.post(
            f"{self.base}/staff/v1/users",
            json={
                "username": username,
                "password": STAFF_PASSWORD,
                "role": role,
                "store_ids": store_ids,
            },
            headers=admin,
        )
        assert created.status_code == 201, created.text
        return await self.sign_in(http, username, STAFF_PASSWORD)

    async def store_team(self, http: httpx.AsyncClient, store_id: str) -> tuple[dict, dict]:
        """Sessions of a store manager and an associate of the store."""
        manager = await self.staff_member(http, "maria", "store_manager", [store_id])
        return manager, await self.staff_member(http, "ann", "associate", [store_id])
