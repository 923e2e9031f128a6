"""Rows into the catalog through its RPCs: new products by ImportProducts (a batch in one
transaction; a refused batch is tried product by product so one bad product fails only its own
rows), products that exist by UpdateProduct when the rows change them, prices by
UpsertChannelListing. Nothing is written for a product its rows leave as it is."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import grpc
from google.protobuf.field_mask_pb2 import FieldMask

from omni.catalog.v1 import catalog_pb2
from omni.common.v1 import common_pb2
from omni_gateway.bulk.calls import BulkCalls, at_most
from omni_gateway.bulk.rows import Price, ProductRow, RowError
from omni_kit.errors import error_details
from omni_kit.idempotency import call_metadata

CALLER = "bulk-import"
BATCH = 200
# Products per ImportProducts: one transaction, which must end within the catalog's store
# budget (10 s by default) even on a store busy with the chunk's stock and events.
IMPORT_BATCH = 50
PARALLEL = 16
STATUSES = {
    "draft": catalog_pb2.PRODUCT_STATUS_DRAFT,
    "active": catalog_pb2.PRODUCT_STATUS_ACTIVE,
    "archived": catalog_pb2.PRODUCT_STATUS_ARCHIVED,
}
STATUS_NAMES = {number: name for name, number in STATUSES.items()}
SALES_CHANNELS = {
    "web": common_pb2.SALES_CHANNEL_WEB,
    "app": common_pb2.SALES_CHANNEL_APP,
    "pos": common_pb2.SALES_CHANNEL_POS,
    "social": common_pb2.SALES_CHANNEL_SOCIAL,
    "messenger": common_pb2.SALES_CHANNEL_MESSENGER,
    "phone": common_pb2.SALES_CHANNEL_PHONE,
    "marketplace": common_pb2.SALES_CHANNEL_MARKETPLACE,
}
CHANNEL_NAMES = {number: name for name, number in SALES_CHANNELS.items()}
UPDATE_PATHS = ["status", "texts", "brand", "category_ids", "attributes", "variants"]
T = TypeVar("T")


def channel_ref(key: str) -> common_pb2.ChannelRef:
    name, _, partner = key.partition(":")
    return common_pb2.ChannelRef(channel=SALES_CHANNELS[name], partner_id=partner)


def channel_key(ref: common_pb2.ChannelRef) -> str:
    name = CHANNEL_NAMES.get(ref.channel, "")
    return f"{name}:{ref.partner_id}" if ref.partner_id else name


@dataclass
class Group:
    """One product's rows in a chunk (they agree on the product's fields)."""

    slug: str
    rows: list[tuple[int, ProductRow]]
    category_ids: list[str]
    existing: catalog_pb2.Product | None = None
    failed: RowError | None = None
    changed: bool = False
    new_skus: set[str] = field(default_factory=set)

    @property
    def first(self) -> ProductRow:
        return self.rows[0][1]

    @property
    def line(self) -> int:
        return self.rows[0][0]


def desired(group: Group) -> catalog_pb2.Product:
    """The product as the rows state it: the stored one with their fields set, their variants
    updated or added (variants no row names are kept, as are texts in other languages)."""
    row = group.first
    product = catalog_pb2.Product()
    if group.existing is not None:
        product.CopyFrom(group.existing)
    else:
        product.slug = row.slug
        product.default_language = row.language
    product.status = STATUSES[row.status]
    product.brand = row.brand
    del product.category_ids[:]
    product.category_ids.extend(group.category_ids)
    product.attributes.clear()
    product.attributes.update(row.attributes)
    text = product.texts[row.language]
    text.name = row.name
    text.description = row.description
    variants = {variant.sku: variant for variant in product.variants}
    for _, variant_row in group.rows:
        variant = variants.get(variant_row.sku) or product.variants.add(sku=variant_row.sku)
        variant.attributes.clear()
        variant.attributes.update(variant_row.options)
        variant.barcode = variant_row.barcode
        variant.weight_grams = variant_row.weight_grams
    return product


def listing(product_id: str, key: str, price: Price) -> catalog_pb2.ChannelListing:
    return catalog_pb2.ChannelListing(
        product_id=product_id,
        channel=channel_ref(key),
        published=price.published,
        price=common_pb2.Money(amount_minor=price.amount_minor, currency_code=price.currency),
    )


class CatalogWriter:
    def __init__(self, downstream: BulkCalls, job_id: str) -> None:
        self.downstream = downstream
        self.job_id = job_id

    async def owners(self, skus: Sequence[str]) -> dict[str, catalog_pb2.Product]:
        """The products that own these SKUs, by SKU."""
        found: dict[str, catalog_pb2.Product] = {}
        for start in range(0, len(skus), BATCH):
            reply = await self.downstream.call(
                self.downstream.catalog.BatchGetProducts,
                catalog_pb2.BatchGetProductsRequest(skus=skus[start : start + BATCH]),
                idempotent=True,
            )
            for product in reply.products:
                found |= {variant.sku: product for variant in product.variants}
        return found

    async def create(self, groups: list[Group]) -> None:
        """New products with their listings; a product the catalog refuses fails its rows."""
        for start in range(0, len(groups), IMPORT_BATCH):
            await self._import(groups[start : start + IMPORT_BATCH])

    async def _import(self, groups: list[Group]) -> None:
        items = [
            catalog_pb2.ImportItem(
                product=desired(group),
                listings=[listing("", key, price) for key, price in group.first.prices.items()],
            )
            for group in groups
        ]
        key = call_metadata(f"import-{self.job_id}-{groups[0].line}-{len(groups)}", CALLER)
        try:
            await self.downstream.call(
                self.downstream.catalog.ImportProducts,
                catalog_pb2.ImportProductsRequest(items=items),
                idempotent=True,
                metadata=key,
            )
        except grpc.aio.AioRpcError as error:
            if _not_the_rows(error):
                raise
            if len(groups) > 1:
                await self._gather(self._import([group]) for group in groups)
                return
            groups[0].failed = _row_error(error, "items[0].", groups[0])
            return
        for group in groups:
            group.changed = True
            group.new_skus = {row.sku for _, row in group.rows}

    async def update(self, groups: list[Group]) -> None:
        await self._gather(self._update(group) for group in groups)

    async def _update(self, group: Group) -> None:
        existing = group.existing
        assert existing is not None
        known = {variant.sku for variant in existing.variants}
        product = desired(group)
        try:
            if product != existing:
                reply = await self._call(
                    self.downstream.catalog.UpdateProduct,
                    catalog_pb2.UpdateProductRequest(
                        product=product,
                        update_mask=FieldMask(paths=UPDATE_PATHS),
                        expected_version=existing.version,
                    ),
                )
                group.changed = True
                group.new_skus = {row.sku for _, row in group.rows} - known
                group.existing = reply.product
            if await self._prices(existing.id, group.first.prices):
                group.changed = True
        except grpc.aio.AioRpcError as error:
            if _not_the_rows(error):
                raise
            group.failed = _row_error(error, "", group)

    async def _prices(self, product_id: str, prices: dict[str, Price]) -> bool:
        """Set the rows' prices on their channels; True when any listing changed."""
        if not prices:
            return False
        reply = await self._call(
            self.downstream.catalog.ListChannelListings,
            catalog_pb2.ListChannelListingsRequest(product_id=product_id, page_size=200),
            idempotent=True,
        )
        listed = {channel_key(x.channel): x for x in reply.listings}
        changed = False
        for key, price in prices.items():
            wanted = listing(product_id, key, price)
            current = listed.get(key)
            if current is not None and (current.price, current.published) == (
                wanted.price,
                wanted.published,
            ):
                continue
            if current is not None:
                current.price.CopyFrom(wanted.price)
                current.published = wanted.published
                current.ClearField("effective_price")
                wanted = current
            await self._call(
                self.downstream.catalog.UpsertChannelListing,
                catalog_pb2.UpsertChannelListingRequest(
                    listing=wanted, expected_version=current.version if current else 0
                ),
            )
            changed = True
        return changed

    async def _call(
        self, method: Callable[..., Awaitable[T]], request: Any, *, idempotent: bool = False
    ) -> T:
        return await self.downstream.call(method, request, idempotent=idempotent)

    async def _gather(self, work: Iterable[Awaitable[None]]) -> None:
        await at_most(PARALLEL, work)


def _not_the_rows(error: grpc.aio.AioRpcError) -> bool:
    """A failure of the platform, not of the rows: the job stops (to be run again)."""
    return error.code() in (
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.INTERNAL,
        grpc.StatusCode.UNKNOWN,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
    )


def _row_error(error: grpc.aio.AioRpcError, prefix: str, group: Group) -> RowError:
    """The catalog's refusal, named as the file names it."""
    details = error_details(error)
    where = (details.field or "").removeprefix(prefix).removeprefix("product.")
    column = where.split(".")[0].split("[")[0]
    if column == "texts":
        tail = where.rsplit(".", 1)[-1]
        column = tail if tail in ("name", "description") else "language"
    known = {
        "slug": "slug",
        "brand": "brand",
        "category_ids": "categories",
        "attributes": "attributes",
        "status": "status",
        "listings": "prices",
        "listing": "prices",
    }
    if column == "variants":
        index = where.split("[")[1].split("]")[0] if "[" in where else ""
        detail = where.split(".")[-1] if "." in where else "sku"
        product = desired(group)
        sku = product.variants[int(index)].sku if index.isdigit() else ""
        rename = {"attributes": "options", "sku": "sku"}.get(detail, detail)
        return RowError(rename, f"{sku + ': ' if sku else ''}{details.message}")
    return RowError(known.get(column, column or "slug"), details.message)
