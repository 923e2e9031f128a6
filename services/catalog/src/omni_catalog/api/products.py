"""Product RPCs: create, read, partial update with optimistic concurrency, delete."""

from __future__ import annotations

from grpc import aio
from pymongo.asynchronous.client_session import AsyncClientSession

from omni.catalog.v1 import catalog_pb2
from omni.common.v1 import common_pb2
from omni_catalog import events
from omni_catalog.api.common import Catalog, nothing
from omni_catalog.domain import listings as listing_rules
from omni_catalog.domain import masks, products, versions
from omni_catalog.store.products import sku_taken, slug_taken
from omni_kit.errors import InvalidArgument, NotFound
from omni_kit.facts import Event
from omni_kit.idempotency import Work
from omni_kit.ids import new_id, utcnow
from omni_kit.protos import to_timestamp

MAX_BATCH = 200
ACTIVE = catalog_pb2.PRODUCT_STATUS_ACTIVE


class ProductRpcs(Catalog):
    async def CreateProduct(
        self, request: catalog_pb2.CreateProductRequest, context: aio.ServicerContext
    ) -> catalog_pb2.CreateProductResponse:
        created = catalog_pb2.Product()
        created.CopyFrom(request.product)
        created.status = created.status or catalog_pb2.PRODUCT_STATUS_DRAFT
        products.validate_product(created)

        async def plan() -> Work[catalog_pb2.CreateProductResponse]:
            await self._check_references(created)
            created.id = new_id("prod")
            created.version = 1
            created.created_at.CopyFrom(to_timestamp(utcnow()))
            created.updated_at.CopyFrom(created.created_at)

            async def write(session: AsyncClientSession) -> list[Event]:
                await self.products.insert(created, session)
                return [events.product_created(created)]

            return self.writing(write, catalog_pb2.CreateProductResponse(product=created))

        return await self.infra.idempotency.run(
            context, request, catalog_pb2.CreateProductResponse, plan
        )

    async def GetProduct(
        self, request: catalog_pb2.GetProductRequest, context: aio.ServicerContext
    ) -> catalog_pb2.GetProductResponse:
        if not request.product_id:
            raise InvalidArgument("product_id is required", field="product_id")
        product = await self.products.get(request.product_id)
        response = catalog_pb2.GetProductResponse(product=product)
        if request.HasField("channel"):
            listing = await self._listing_for(product, request.channel, request.include_unpublished)
            response.listing.CopyFrom(listing)
        return response

    async def GetProductBySku(
        self, request: catalog_pb2.GetProductBySkuRequest, context: aio.ServicerContext
    ) -> catalog_pb2.GetProductBySkuResponse:
        if not request.sku:
            raise InvalidArgument("sku is required", field="sku")
        owners = await self.products.by_skus([request.sku])
        if request.sku not in owners:
            raise NotFound(
                f"no product has the SKU {request.sku!r}",
                reason="SKU_NOT_FOUND",
                field="sku",
                metadata={"sku": request.sku},
            )
        product = owners[request.sku]
        response = catalog_pb2.GetProductBySkuResponse(product=product)
        if request.HasField("channel"):
            listing = await self._listing_for(product, request.channel, request.include_unpublished)
            response.listing.CopyFrom(listing)
        return response

    async def BatchGetProducts(
        self, request: catalog_pb2.BatchGetProductsRequest, context: aio.ServicerContext
    ) -> catalog_pb2.BatchGetProductsResponse:
        if len(request.product_ids) + len(request.skus) > MAX_BATCH:
            raise InvalidArgument(
                f"at most {MAX_BATCH} product ids and SKUs together", field="product_ids"
            )
        key = listing_rules.channel_key(request.channel) if request.HasField("channel") else None
        by_id = await self.products.find(list(dict.fromkeys(request.product_ids)))
        by_sku = await self.products.by_skus(list(dict.fromkeys(request.skus)))
        found = {**by_id, **{product.id: product for product in by_sku.values()}}
        response = catalog_pb2.BatchGetProductsResponse(
            products=list(found.values()),
            not_found=[pid for pid in request.product_ids if pid not in by_id]
            + [sku for sku in request.skus if sku not in by_sku],
        )
        if key is not None:
            now = utcnow()
            for product_id, listing in (await self.listings.for_products(list(found), key)).items():
                response.listings[product_id].CopyFrom(
                    listing_rules.with_effective_price(listing, now)
                )
        return response

    async def UpdateProduct(
        self, request: catalog_pb2.UpdateProductRequest, context: aio.ServicerContext
    ) -> catalog_pb2.UpdateProductResponse:
        return await self.infra.idempotency.run(
            context,
            request,
            catalog_pb2.UpdateProductResponse,
            lambda: self._plan_update_product(request),
        )

    async def _plan_update_product(
        self, request: catalog_pb2.UpdateProductRequest
    ) -> Work[catalog_pb2.UpdateProductResponse]:
        changes = request.product
        if not changes.id:
            raise InvalidArgument("product.id is required", field="product.id")
        paths = masks.validate_mask(
            request.update_mask.paths, products.UPDATABLE, products.READ_ONLY
        )
        versions.require_version(request.expected_version)
        stored = await self.products.get(changes.id, field="product.id")
        if stored.version != request.expected_version:
            await self.products.stale(stored.id, request.expected_version, None)
        updated = masks.apply_mask(stored, changes, paths)
        products.validate_product(updated)
        changed = masks.changed_paths(stored, updated, paths)
        if not changed:
            return self.writing(nothing, catalog_pb2.UpdateProductResponse(product=stored))
        await self._check_references(updated, changed)
        now = utcnow()
        updated.version = stored.version + 1
        updated.updated_at.CopyFrom(to_timestamp(now))
        reason = f"product is {catalog_pb2.ProductStatus.Name(updated.status)}"

        async def write(session: AsyncClientSession) -> list[Event]:
            await self.products.replace(updated, request.expected_version, session)
            await self.listings.touch(updated.id, now, session)
            taken_down = []
            if updated.status != ACTIVE:
                taken_down = await self._unpublish_all(updated, reason, session)
            return [events.product_updated(updated, changed), *taken_down]

        return self.writing(write, catalog_pb2.UpdateProductResponse(product=updated))

    async def DeleteProduct(
        self, request: catalog_pb2.DeleteProductRequest, context: aio.ServicerContext
    ) -> catalog_pb2.DeleteProductResponse:
        return await self.infra.idempotency.run(
            context,
            request,
            catalog_pb2.DeleteProductResponse,
            lambda: self._plan_delete_product(request),
        )

    async def _plan_delete_product(
        self, request: catalog_pb2.DeleteProductRequest
    ) -> Work[catalog_pb2.DeleteProductResponse]:
        if not request.product_id:
            raise InvalidArgument("product_id is required", field="product_id")
        if request.expected_version < 0:
            raise InvalidArgument("expected_version must not be negative", field="expected_version")
        product = await self.products.get(request.product_id)

        async def write(session: AsyncClientSession) -> list[Event]:
            await self.products.delete(product.id, request.expected_version, session)
            taken_down = await self._unpublish_all(product, "product deleted", session)
            await self.listings.retire(product.id, products.skus(product), utcnow(), session)
            return [*taken_down, events.product_deleted(product)]

        return self.writing(write, catalog_pb2.DeleteProductResponse())

    async def _unpublish_all(
        self, product: catalog_pb2.Product, reason: str, session: AsyncClientSession
    ) -> list[Event]:
        """Take a product off every channel it is published on (inside the caller's write)."""
        taken_down = []
        now = to_timestamp(utcnow())
        for listing in await self.listings.for_product(product.id, session):
            if not listing.published:
                continue
            before = listing.version
            listing.published = False
            listing.version += 1
            listing.updated_at.CopyFrom(now)
            await self.listings.replace(listing, before, session)
            taken_down.append(events.product_unpublished(listing, products.skus(product), reason))
        return taken_down

    async def _listing_for(
        self,
        product: catalog_pb2.Product,
        channel: common_pb2.ChannelRef,
        include_unpublished: bool,
    ) -> catalog_pb2.ChannelListing:
        key = listing_rules.channel_key(channel)
        listing = await self.listings.get(product.id, key)
        if listing is None or not (listing.published or include_unpublished):
            raise NotFound(
                f"product {product.id!r} is not sold on {key}",
                reason="PRODUCT_NOT_LISTED",
                field="channel",
                metadata={"product_id": product.id, "channel": key},
            )
        return listing_rules.with_effective_price(listing, utcnow())

    async def _check_references(
        self, product: catalog_pb2.Product, changed: list[str] | None = None
    ) -> None:
        """Categories exist; SKUs and the slug are not another product's."""
        if changed is None or "category_ids" in changed:
            missing = await self.categories.missing(product.category_ids)
            if missing:
                index = list(product.category_ids).index(missing[0])
                raise NotFound(
                    f"no category with id {missing[0]!r}",
                    reason="CATEGORY_NOT_FOUND",
                    field=f"product.category_ids[{index}]",
                    metadata={"category_id": missing[0]},
                )
        if changed is None or "variants" in changed:
            owner = await self.products.sku_owner(products.skus(product), product.id)
            if owner is not None:
                raise sku_taken(*owner)
        if (changed is None or "slug" in changed) and await self.products.slug_owner(
            product.slug, product.id
        ):
            raise slug_taken(product.slug)
