"""Fixtures that start real infrastructure on free loopback ports: nats-server and the store; and
which suites are slow."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import nats
import pytest
from nats.aio.client import Client as NATS
from pymongo import AsyncMongoClient, MongoClient
from pymongo.errors import PyMongoError

from omni_kit import localstack
from omni_kit.ids import new_id
from omni_kit.store import mongo_client

# The suites `make test-slow` runs and `make test` leaves out (paths under tests/): crashes and
# kills of real processes, restarts, outages, replicas and key rotations, the fuzzer, whole-stack
# walks, bulk loads, and the query plans over realistic data. CI runs both targets.
SLOW = (
    "e2e/",
    "integration/faults/",
    "integration/resilience/",
    "integration/queryplans/",
    "integration/catalog/test_catalog_query_plans.py",
    "integration/gateway/test_fuzz.py",
    "integration/gateway/test_order_service_killed.py",
    "integration/gateway/test_paid_parcel_journey.py",
    "integration/gateway/test_checkout_trace.py",
    "integration/gateway/test_checkout_query_plans.py",
    "integration/gateway/test_omni_cli.py",
    "integration/gateway/test_sales_exports.py",
    "integration/gateway/test_bulk_import.py",
    "integration/gateway/test_demo_data.py",
    "integration/processes/",
    "integration/store_node/test_store_node_offline.py",
    "integration/store_node/test_store_node_seen_by_centre.py",
    "integration/store_node/test_store_node_card_limits_offline.py",
    "integration/store_node/test_store_node_shift_recovery.py",
    "integration/gateway/test_scale_out.py",
    "integration/gateway/test_gateway_workers.py",
    "integration/gateway/test_store_outage.py",
    "integration/gateway/test_health.py",
    "integration/gateway/test_first_admin.py",
    "integration/gateway/test_token_and_webhook_keys.py",
    "integration/gateway/test_password_upgrade.py",
    "integration/gateway/test_ready_without_a_service.py",
    "integration/order/test_order_voucher_flash.py",
)
TESTS = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.relative_to(TESTS).as_posix().startswith(SLOW):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def nats_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[localstack.LocalProcess]:
    proc = localstack.start_nats(tmp_path_factory.mktemp("nats"), localstack.free_port())
    yield proc
    proc.stop()


@pytest.fixture
def nats_url(nats_server: localstack.LocalProcess) -> str:
    """The shared nats-server's URL, its streams emptied and without consumers: every test's
    services make theirs afresh. Kept across tests, a durable consumer of one name would hand a
    test the events an earlier test's processes fetched and never acknowledged, once their ack
    wait ran out."""
    url = localstack.nats_url(nats_server.port)
    with ThreadPoolExecutor(1) as thread:  # the test's own event loop is not running yet
        thread.submit(asyncio.run, _empty_streams(url)).result()
    return url


async def _empty_streams(url: str) -> None:
    client = await nats.connect(url)
    try:
        jetstream = client.jetstream()
        for stream in await jetstream.streams_info():
            name = stream.config.name
            for consumer in await jetstream.consumers_info(name):
                await jetstream.delete_consumer(name, consumer.name)
            await jetstream.purge_stream(name)
    finally:
        await client.close()


@pytest.fixture(scope="session")
def store_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[localstack.LocalProcess]:
    proc = localstack.start_store(tmp_path_factory.mktemp("store"), localstack.free_port())
    yield proc
    proc.stop()


@pytest.fixture(scope="session")
def store_probe(store_server: localstack.LocalProcess) -> Iterator[MongoClient]:
    client: MongoClient = MongoClient(
        localstack.mongo_uri(store_server.port), serverSelectionTimeoutMS=10_000
    )
    yield client
    client.close()


@pytest.fixture
def mongo_uri(store_server: localstack.LocalProcess, store_probe: MongoClient) -> str:
    """The shared store's URI, once it answers: a store that stopped answering fails the test
    as such, with its log, rather than as each in-process service's "cannot use the store"."""
    try:
        store_probe.admin.command("ping")
    except PyMongoError as error:
        state = "running" if store_server.running else f"exited {store_server.process.returncode}"
        log_tail = store_server.log_path.read_text(errors="replace")[-1500:]
        pytest.fail(
            f"the shared test store on port {store_server.port} does not answer ({state}): "
            f"{error}\n--- end of {store_server.log_path} ---\n{log_tail}",
            pytrace=False,
        )
    return localstack.mongo_uri(store_server.port)


@pytest.fixture
async def mongo(mongo_uri: str) -> AsyncIterator[AsyncMongoClient]:
    client = mongo_client(mongo_uri, app_name="tests")
    yield client
    await client.close()


@pytest.fixture
def db_name() -> str:
    """A fresh database name per test, so tests never see each other's documents."""
    return new_id("test")[:30]


@pytest.fixture
async def nc(nats_url: str) -> AsyncIterator[NATS]:
    client = await nats.connect(nats_url)
    yield client
    await client.drain()


@pytest.fixture
def repo_root() -> Path:
    return Path(__file__).resolve().parents[1]


class LoopbackReceiver:
    """A real HTTP server on 127.0.0.1 recording each POST (path, headers); answers `status` with
    a small JSON body, or only after a few seconds while `hang` is set."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.status = 200
        self.hang = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((self.path, dict(self.headers)))
                if receiver.hang.is_set():
                    time.sleep(3)
                self.send_response(receiver.status)
                self.end_headers()
                self.wfile.write(b'{"id": "m-1"}')

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def paths(self) -> list[str]:
        return [path for path, _ in self.requests]


@pytest.fixture
def loopback_receiver() -> Iterator[LoopbackReceiver]:
    server = LoopbackReceiver()
    yield server
    server.server.shutdown()
    server.server.server_close()
