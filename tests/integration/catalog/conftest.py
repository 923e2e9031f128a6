"""The catalog service in-process on a free port, its database, and product builders."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from catalog_builders import WEB, eur
from pymongo import AsyncMongoClient

from omni.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from omni.common.v1 import common_pb2
from omni_catalog.server import create_app
from omni_catalog.settings import CatalogSettings
from omni_kit.app import channel


@dataclass
class Catalog:
    stub: catalog_pb2_grpc.CatalogServiceStub
    db: Any

    async def subjects(self) -> list[str]:
        """Subjects of every event the service has written to its outbox, oldest first."""
        cursor = self.db["outbox"].find({}, {"subject": 1}).sort("seq", 1)
        return [document["subject"] async for document in cursor]

    async def create(self, item: catalog_pb2.Product) -> catalog_pb2.Product:
        reply = await self.stub.CreateProduct(catalog_pb2.CreateProductRequest(product=item))
        return reply.product

    async def list_on(
        self, product_id: str, price: int, ref: common_pb2.ChannelRef = WEB, **fields: Any
    ) -> catalog_pb2.ChannelListing:
        listing = catalog_pb2.ChannelListing(
            product_id=product_id,
            channel=ref,
            published=fields.pop("published", True),
            price=eur(price),
            **fields,
        )
        reply = await self.stub.UpsertChannelListing(
            catalog_pb2.UpsertChannelListingRequest(listing=listing)
        )
        return reply.listing


@pytest.fixture
async def catalog(
    mongo_uri: str, nats_url: str, db_name: str, mongo: AsyncMongoClient
) -> AsyncIterator[Catalog]:
    database = f"{db_name}_catalog"
    settings = CatalogSettings(
        grpc_port=0,
        mongo_uri=mongo_uri,
        nats_url=nats_url,
        mongo_database=database,
        vocabulary_seconds=0,
        sale_poll_seconds=0.2,
    )
    app = await create_app(settings)
    port = await app.start()
    ch = channel(f"127.0.0.1:{port}")
    yield Catalog(catalog_pb2_grpc.CatalogServiceStub(ch), mongo[database])
    await ch.close()
    await app.stop(grace=0)
