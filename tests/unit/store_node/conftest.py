"""The tills' API in-process, with nothing listening where the centre should be."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from litestar.testing import AsyncTestClient

from omni_kit.localstack import free_port
from omni_store_node.domain.sales import Price
from omni_store_node.server import create_app
from omni_store_node.settings import StoreNodeSettings
from omni_store_node.store import LocalStore


@pytest.fixture
async def tills(tmp_path) -> AsyncIterator[AsyncTestClient]:
    journal = tmp_path / "journal.sqlite3"
    store = LocalStore(journal)
    await store.replica.replace_all([Price("TEE-M", "prod_1", "Tee", 1999, "EUR", 2)])
    store.close()
    unreachable = f"127.0.0.1:{free_port()}"
    settings = StoreNodeSettings(
        store_id="loc_1",
        journal_path=journal,
        order_addr=unreachable,
        catalog_addr=unreachable,
        link_probe_seconds=0.2,
    )
    async with AsyncTestClient(app=create_app(settings)) as client:
        yield client
