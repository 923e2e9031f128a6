"""Seed a shop for benchmarks over the services' gRPC APIs: products listed on the channels,
three stock locations with stock, and sign-ins through the gateway."""

from __future__ import annotations

import asyncio

import httpx

from omni.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from omni.common.v1 import common_pb2
from omni.inventory.v1 import inventory_pb2, inventory_pb2_grpc
from omni_kit.app import channel

WEB = common_pb2.ChannelRef(channel=common_pb2.SALES_CHANNEL_WEB)
APP = common_pb2.ChannelRef(channel=common_pb2.SALES_CHANNEL_APP)
ADDRESS = {"lines": ["Invalidenstr. 1"], "city": "Berlin", "country_code": "DE"}
STORES = (("MITTE", 52.53, 13.40), ("XBERG", 52.49, 13.42), ("DC-NORTH", 52.60, 13.30))


async def list_on(
    catalog: catalog_pb2_grpc.CatalogServiceAsyncStub,
    product_id: str,
    channels: list[common_pb2.ChannelRef],
    amount_minor: int,
) -> None:
    """Publish a product on each channel at one price in EUR."""
    for ref in channels:
        await catalog.UpsertChannelListing(
            catalog_pb2.UpsertChannelListingRequest(
                listing=catalog_pb2.ChannelListing(
                    product_id=product_id,
                    channel=ref,
                    published=True,
                    price=common_pb2.Money(amount_minor=amount_minor, currency_code="EUR"),
                )
            )
        )


async def seed_products(
    grpc: dict[str, str],
    count: int,
    *,
    stock_per_location: int,
    channels: list[common_pb2.ChannelRef] | None = None,
) -> tuple[list[str], list[str], list[str]]:
    """`count` products (one SKU each) listed on every channel, stocked in three locations.
    Returns (product ids, SKUs, location ids)."""
    listed = channels or [WEB, APP]
    catalog_ch, inventory_ch = channel(grpc["catalog"]), channel(grpc["inventory"])
    catalog = catalog_pb2_grpc.CatalogServiceStub(catalog_ch)
    inventory = inventory_pb2_grpc.InventoryServiceStub(inventory_ch)
    locations = []
    for code, lat, lng in STORES:
        reply = await inventory.CreateStockLocation(
            inventory_pb2.CreateStockLocationRequest(
                location=inventory_pb2.StockLocation(
                    code=code,
                    name=code,
                    kind=inventory_pb2.LOCATION_KIND_STORE,
                    geo=common_pb2.GeoPoint(lat=lat, lng=lng),
                    capabilities=inventory_pb2.LocationCapabilities(
                        ships=True, click_and_collect=True, receives_returns=True
                    ),
                )
            )
        )
        locations.append(reply.location.id)

    async def one(number: int) -> tuple[str, str]:
        sku = f"BENCH-{number:05d}"
        product = catalog_pb2.Product(
            slug=f"bench-{number}",
            status=catalog_pb2.PRODUCT_STATUS_ACTIVE,
            default_language="en",
            texts={"en": catalog_pb2.LocalizedText(name=f"Bench tee {number}")},
            attributes={"colour": ("red", "blue", "green")[number % 3]},
            variants=[catalog_pb2.Variant(sku=sku)],
        )
        created = await catalog.CreateProduct(catalog_pb2.CreateProductRequest(product=product))
        await list_on(catalog, created.product.id, listed, 1000 + number)
        for location in locations:
            await inventory.ReceiveStock(
                inventory_pb2.ReceiveStockRequest(
                    location_id=location,
                    lines=[inventory_pb2.StockQuantity(sku=sku, quantity=stock_per_location)],
                )
            )
        return created.product.id, sku

    gate = asyncio.Semaphore(8)

    async def bounded(number: int) -> tuple[str, str]:
        async with gate:
            return await one(number)

    made = await asyncio.gather(*(bounded(n) for n in range(count)))
    await catalog_ch.close()
    await inventory_ch.close()
    return [p for p, _ in made], [s for _, s in made], locations


async def register(http: httpx.AsyncClient, email: str) -> dict[str, str]:
    reply = await http.post(
        "/api/v1/auth/register", json={"email": email, "password": "correct horse battery"}
    )
    reply.raise_for_status()
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}
