"""Product RPCs: create, read, partial update with optimistic concurrency, delete."""

from __future__ import annotations

from dataclasses import replace

from grpc import aio
from pymongo.asynchronous.client_session import AsyncClientSession

from omni.catalog.v1 import catalog_pb2
from omni.common.v1 import common_pb2
from omni_catalog import events
from omni_catalog.api.common import Catalog, Noted, nothing
from omni_catalog.api.messages import (
    channel_from,
    listing_message,
    product_from,
    product_message,
    status_name,
)
from omni_catalog.domain import masks, products, versions
from omni_catalog.domain.channels import channel_key
from omni_catalog.domain.products import Product, ProductStatus
from omni_catalog.store.products import sku_taken, slug_taken
from omni_kit.errors import InvalidArgument, NotFound
from omni_kit.facts import Event
from omni_kit.idempotency import Work
from omni_kit.ids import new_id, utcnow

MAX_BATCH = 200


class ProductRpcs(Catalog):
    async def CreateProduct(
        self, request: catalog_pb2.CreateProductRequest, context: aio.ServicerContext
    ) -> catalog_pb2.CreateProductResponse:
        given = product_from(request.product)
        given = replace(given, status=given.status or ProductStatus.DRAFT)
        products.validate_product(given)

        async def plan() -> Work[catalog_pb2.CreateProductResponse]:
            await self._check_references(given)
            now = utcnow()
            created = replace(given, id=new_id("prod"), version=1, created_at=now, updated_at=now)

            async def write(session: AsyncClientSession) -> list[Event]:
                await self.products.insert(created, session)
                await self.readmodel.refresh(created, session, listings=[])
                return [events.product_created(created)]

            noted.append((None, created))
            response = catalog_pb2.CreateProductResponse(product=product_message(created))
            return self.writing(write, response)

        noted: Noted = []
        return await self.infra.idempotency.run(
            context, request, catalog_pb2.CreateProductResponse, plan, then=self.count_words(noted)
        )

    async def GetProduct(
        self, request: catalog_pb2.GetProductRequest, context: aio.ServicerContext
    ) -> catalog_pb2.GetProductResponse:
        if not request.product_id:
            raise InvalidArgument("product_id is required", field="product_id")
        product = await self.products.get(request.product_id)
        response = catalog_pb2.GetProductResponse(product=product_message(product))
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
        response = catalog_pb2.GetProductBySkuResponse(product=product_message(product))
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
        key = channel_key(channel_from(request.channel)) if request.HasField("channel") else None
        by_id = await self.products.find(list(dict.fromkeys(request.product_ids)))
        by_sku = await self.products.by_skus(list(dict.fromkeys(request.skus)))
        found = {**by_id, **{product.id: product for product in by_sku.values()}}
        response = catalog_pb2.BatchGetProductsResponse(
            products=[product_message(product) for product in found.values()],
            not_found=[pid for pid in request.product_ids if pid not in by_id]
            + [sku for sku in request.skus if sku not in by_sku],
        )
        if key is not None:
            now = utcnow()
            listed = await self.listings.for_products(list(found), key)
            items = [(found[product_id], listing) for product_id, listing in listed.items()]
            for listing in await self.readmodel.priced_many(items, now):
                response.listings[listing.product_id].CopyFrom(listing_message(listing, now))
        return response

    async def UpdateProduct(
        self, request: catalog_pb2.UpdateProductRequest, context: aio.ServicerContext
    ) -> catalog_pb2.UpdateProductResponse:
        noted: Noted = []
        return await self.infra.idempotency.run(
            context,
            request,
            catalog_pb2.UpdateProductResponse,
            lambda: self._plan_update_product(request, noted),
            then=self.count_words(noted),
        )

    async def _plan_update_product(
        self, request: catalog_pb2.UpdateProductRequest, noted: Noted
    ) -> Work[catalog_pb2.UpdateProductResponse]:
        changes = product_from(request.product)
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
            unchanged = catalog_pb2.UpdateProductResponse(product=product_message(stored))
            return self.writing(nothing, unchanged)
        await self._check_references(updated, changed)
        now = utcnow()
        updated = replace(updated, version=stored.version + 1, updated_at=now)
        reason = f"product is {status_name(updated.status)}"

        async def write(session: AsyncClientSession) -> list[Event]:
            await self.products.replace(updated, request.expected_version, session)
            await self.listings.touch(updated.id, now, session)
            taken_down = []
            if updated.status is not ProductStatus.ACTIVE:
                taken_down = await self._unpublish_all(updated, reason, session)
            await self.readmodel.refresh(updated, session)
            return [events.product_updated(updated, changed), *taken_down]

        noted.append((stored, updated))
        response = catalog_pb2.UpdateProductResponse(product=product_message(updated))
        return self.writing(write, response)

    async def DeleteProduct(
        self, request: catalog_pb2.DeleteProductRequest, context: aio.ServicerContext
    ) -> catalog_pb2.DeleteProductResponse:
        noted: Noted = []
        return await self.infra.idempotency.run(
            context,
            request,
            catalog_pb2.DeleteProductResponse,
            lambda: self._plan_delete_product(request, noted),
            then=self.count_words(noted),
        )

    async def _plan_delete_product(
        self, request: catalog_pb2.DeleteProductRequest, noted: Noted
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
            listed = await self.listings.for_product(product.id, session)
            await self.readmodel.forget(product.id, listed, session)
            return [*taken_down, events.product_deleted(product)]

        noted.append((product, None))
        return self.writing(write, catalog_pb2.DeleteProductResponse())

    async def _unpublish_all(
        self, product: Product, reason: str, session: AsyncClientSession
    ) -> list[Event]:
        """Take a product off every channel it is published on (inside the caller's write)."""
        taken_down = []
        now = utcnow()
        for listing in await self.listings.for_product(product.id, session):
            if not listing.published:
                continue
            after = replace(listing, published=False, version=listing.version + 1, updated_at=now)
            await self.listings.replace(after, listing.version, session)
            taken_down.append(events.product_unpublished(after, products.skus(product), reason))
        return taken_down

    async def _listing_for(
        self,
        product: Product,
        channel: common_pb2.ChannelRef,
        include_unpublished: bool,
    ) -> catalog_pb2.ChannelListing:
        key = channel_key(channel_from(channel))
        listing = await self.listings.get(product.id, key)
        if listing is None or not (listing.published or include_unpublished):
            raise NotFound(
                f"product {product.id!r} is not sold on {key}",
                reason="PRODUCT_NOT_LISTED",
                field="channel",
                metadata={"product_id": product.id, "channel": key},
            )
        now = utcnow()
        [priced] = await self.readmodel.priced(product, [listing], now)
        message = listing_message(priced, now)
        for shown in message.effective_prices:
            currency = shown.price.currency_code
            lowest = await self.history.lowest(product.id, shown.sku, key, currency, now)
            amount = shown.price.amount_minor if lowest is None else lowest
            shown.lowest_price_30d.CopyFrom(
                common_pb2.Money(amount_minor=amount, currency_code=currency)
            )
        return message

    async def _check_references(self, product: Product, changed: list[str] | None = None) -> None:
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
