"""A NATS server, a store and a catalog process of the crash tests' own, shared by the module
(the catalog is never armed: it only prices the carts); each test starts inventory, customer and
order afresh, on databases of its own."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from stack import SKUS, WEB, Process, Retrying, service_env, serving

from omni.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from omni.common.v1 import common_pb2
from omni_kit import localstack
from omni_kit.app import channel


@pytest.fixture(scope="module")
def fault_nats(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    proc = localstack.start_nats(tmp_path_factory.mktemp("fault-nats"), localstack.free_port())
    yield localstack.nats_url(proc.port)
    proc.stop()


@pytest.fixture(scope="module")
def fault_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A store that aborts a transaction left idle for 5 s (a killed process's), not 60 s."""
    data = tmp_path_factory.mktemp("fault-store")
    port = localstack.free_port()
    launcher = Path(__file__).with_name("short_lived_transactions_store.py")
    argv = [sys.executable, str(launcher), "127.0.0.1", str(port), str(data / "data"), "5"]
    proc = localstack.spawn("store", argv, port, data / "store.log")
    localstack.wait_for_port(proc, timeout=60)
    yield localstack.mongo_uri(port)
    proc.stop()


@pytest.fixture(scope="module")
def catalog_address(fault_nats: str, fault_store: str, tmp_path_factory) -> Iterator[str]:
    logs: Path = tmp_path_factory.mktemp("fault-catalog")
    port = localstack.free_port()
    values = {
        "grpc_port": str(port),
        "mongo_uri": fault_store,
        "mongo_database": f"faults_catalog_{port}",
        "nats_url": fault_nats,
        "environment": "test",
        "log_level": "WARNING",
    }
    catalog = Process("catalog", port, service_env("catalog", values), {}, logs / "catalog.log")
    catalog.start(faulted=False)
    asyncio.run(_seed(catalog.address))
    yield catalog.address
    catalog.stop()


async def _seed(address: str) -> None:
    await serving(address)
    send = Retrying()
    async with channel(address, default_timeout=10) as ch:
        stub = catalog_pb2_grpc.CatalogServiceStub(ch)
        for sku, price in SKUS.items():
            product = await send(
                stub.CreateProduct,
                catalog_pb2.CreateProductRequest(
                    product=catalog_pb2.Product(
                        slug=sku.lower(),
                        status=catalog_pb2.PRODUCT_STATUS_ACTIVE,
                        default_language="en",
                        texts={"en": catalog_pb2.LocalizedText(name=f"Product {sku}")},
                        variants=[catalog_pb2.Variant(sku=sku)],
                    )
                ),
                key=f"product-{sku}",
            )
            await send(
                stub.UpsertChannelListing,
                catalog_pb2.UpsertChannelListingRequest(
                    listing=catalog_pb2.ChannelListing(
                        product_id=product.product.id,
                        channel=WEB,
                        published=True,
                        price=common_pb2.Money(amount_minor=price, currency_code="EUR"),
                    )
                ),
                key=f"listing-{sku}",
            )


@pytest.fixture
def fault_stack_args(
    fault_nats: str, fault_store: str, catalog_address: str, db_name: str, tmp_path: Path
) -> dict:
    return {
        "mongo_uri": fault_store,
        "nats_url": fault_nats,
        "db_name": db_name,
        "logs": tmp_path,
        "catalog_address": catalog_address,
    }
