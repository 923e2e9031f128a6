"""The catalog and its stock as import rows, a page of products at a time: one row per variant,
with every channel price of its product and its on-hand at every location that keeps a record
of it. Imported again, an export changes nothing."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterator

import msgspec

from omni.catalog.v1 import catalog_pb2
from omni_gateway.bulk import stock
from omni_gateway.bulk.calls import BulkCalls
from omni_gateway.bulk.catalog import BATCH, PARALLEL, STATUS_NAMES, STATUSES, channel_key
from omni_gateway.bulk.categories import all_paths
from omni_gateway.bulk.reader import Format
from omni_gateway.bulk.rows import COLUMNS, Price, ProductRow


async def lines(downstream: BulkCalls, fmt: Format) -> AsyncIterator[bytes]:
    """The export, encoded a page at a time."""
    if fmt == "csv":
        yield _csv_line(list(COLUMNS))
    async for page in pages(downstream):
        if fmt == "csv":
            yield b"".join(_csv_line(row.to_csv()) for row in page)
        else:
            yield b"".join(msgspec.json.encode(row.to_json()) + b"\n" for row in page)


def _csv_line(cells: list[str]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(cells)
    return out.getvalue().encode()


async def pages(downstream: BulkCalls) -> AsyncIterator[list[ProductRow]]:
    codes = {id_: code for code, id_ in (await stock.locations(downstream)).items()}
    paths = {id_: path for path, id_ in (await all_paths(downstream)).items()}
    limit = asyncio.Semaphore(PARALLEL)
    ask = catalog_pb2.ListProductsRequest(
        page_size=BATCH, statuses=list(STATUSES.values()), sort=catalog_pb2.PRODUCT_SORT_NEWEST
    )
    async for reply in downstream.pages(downstream.catalog.ListProducts, ask):
        products = list(reply.products)
        listings = await asyncio.gather(*(_prices(downstream, p.id, limit) for p in products))
        skus = [variant.sku for product in products for variant in product.variants]
        held = await stock.levels(downstream, skus, []) if skus else {}
        on_hand: dict[str, dict[str, int]] = {}
        for (sku, location_id), level in held.items():
            on_hand.setdefault(sku, {})[codes.get(location_id, location_id)] = level.on_hand
        yield [
            _row(product, variant, paths, prices, on_hand.get(variant.sku, {}))
            for product, prices in zip(products, listings, strict=True)
            for variant in product.variants
        ]


async def _prices(
    downstream: BulkCalls, product_id: str, limit: asyncio.Semaphore
) -> dict[str, Price]:
    async with limit:
        reply = await downstream.call(
            downstream.catalog.ListChannelListings,
            catalog_pb2.ListChannelListingsRequest(product_id=product_id, page_size=200),
            idempotent=True,
        )
    return {
        channel_key(x.channel): Price(x.price.amount_minor, x.price.currency_code, x.published)
        for x in reply.listings
    }


def _row(
    product: catalog_pb2.Product,
    variant: catalog_pb2.Variant,
    paths: dict[str, str],
    prices: dict[str, Price],
    on_hand: dict[str, int],
) -> ProductRow:
    text = product.texts[product.default_language]
    return ProductRow(
        slug=product.slug,
        sku=variant.sku,
        name=text.name,
        status=STATUS_NAMES.get(product.status, "draft"),
        brand=product.brand,
        language=product.default_language,
        description=text.description,
        categories=[paths[c] for c in product.category_ids if c in paths],
        attributes=dict(sorted(product.attributes.items())),
        options=dict(sorted(variant.attributes.items())),
        barcode=variant.barcode,
        weight_grams=variant.weight_grams,
        prices=dict(sorted(prices.items())),
        stock=dict(sorted(on_hand.items())),
    )
