"""nats-server SIGKILLed and restarted while a service works: no event is lost (the outbox
backlog drains), consumers resume, and nothing has its effect twice."""

from __future__ import annotations

import asyncio
from pathlib import Path

from omni.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from omni.catalog.v1 import events_pb2 as catalog_events
from omni_catalog.server import create_app
from omni_catalog.settings import CatalogSettings
from omni_kit import localstack
from omni_kit.app import channel
from omni_kit.events import Consumer, EventBus, Inbox

PRODUCTS = 60


def product(number: int) -> catalog_pb2.Product:
    return catalog_pb2.Product(
        slug=f"restart-{number}",
        default_language="en",
        texts={"en": catalog_pb2.LocalizedText(name=f"Restart {number}")},
        variants=[catalog_pb2.Variant(sku=f"RESTART-{number:03d}")],
    )


async def test_events_survive_a_nats_restart_and_take_effect_once(
    mongo, mongo_uri, db_name, tmp_path: Path
):
    port = localstack.free_port()
    nats = localstack.start_nats(tmp_path / "nats", port)
    nats_url = localstack.nats_url(port)
    app = await create_app(
        CatalogSettings(
            grpc_port=0, mongo_uri=mongo_uri, nats_url=nats_url, mongo_database=f"{db_name}_cat"
        )
    )
    await app.start()
    rpc = channel(f"127.0.0.1:{app.port}")
    stub = catalog_pb2_grpc.CatalogServiceStub(rpc)

    effects = mongo[db_name].effects
    inbox = Inbox(mongo[db_name], "resilience-test")

    async def count_product(event: catalog_events.ProductCreated, context) -> None:
        async def effect(session) -> None:
            await effects.insert_one({"product_id": event.product.id}, session=session)

        await inbox.handle_once(mongo, context.event_id, effect)

    bus = EventBus(nats_url, service_name="test")
    await bus.connect()
    consumer = Consumer(
        bus,
        "OMNI_CATALOG",
        "resilience-test",
        "omni.catalog.product.created",
        count_product,
        catalog_events.ProductCreated,
        fetch_timeout=0.5,
    )
    running = asyncio.create_task(consumer.run())
    try:

        async def create(numbers: range) -> list[str]:
            replies = await asyncio.gather(
                *(
                    stub.CreateProduct(catalog_pb2.CreateProductRequest(product=product(n)))
                    for n in numbers
                )
            )
            return [reply.product.id for reply in replies]

        created = await create(range(0, 20))
        nats.kill()  # SIGKILL; writes go on: the events wait in the outbox
        created += await create(range(20, 40))
        await asyncio.sleep(1)
        nats = localstack.start_nats(tmp_path / "nats", port)
        created += await create(range(40, PRODUCTS))

        async with asyncio.timeout(60):
            while await effects.count_documents({}) < PRODUCTS:
                await asyncio.sleep(0.3)
        await asyncio.sleep(2)  # a late duplicate would show up here

        recorded = [doc["product_id"] async for doc in effects.find({})]
        assert sorted(recorded) == sorted(created)  # every event, each once
        info = await bus.js.stream_info("OMNI_CATALOG")
        stored = info.state.messages
        assert stored >= PRODUCTS
        subjects = await bus.js.consumer_info("OMNI_CATALOG", "resilience-test")
        assert subjects.num_pending == 0
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        await bus.close()
        await rpc.close()
        await app.stop(grace=0)
        nats.stop()
