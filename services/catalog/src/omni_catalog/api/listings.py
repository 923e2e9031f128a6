"""Channel listing RPCs: publish and price per channel, prices for carts, partner feeds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from grpc import aio
from pymongo.asynchronous.client_session import AsyncClientSession

from omni.catalog.v1 import catalog_pb2
from omni_catalog import events
from omni_catalog.api.common import Catalog, Write, nothing
from omni_catalog.api.messages import (
    channel_from,
    listing_from,
    listing_message,
    product_message,
    sku_price_message,
    status_name,
)
from omni_catalog.domain import listings as rules
from omni_catalog.domain import masks, paging, products, versions
from omni_catalog.domain.channels import channel_key
from omni_catalog.domain.listings import ChannelListing
from omni_catalog.domain.prices import validate_prices
from omni_catalog.domain.products import Product, ProductStatus
from omni_catalog.store.browse_model import CATALOG
from omni_catalog.store.documents import RETIRED, listing_of, retired_product
from omni_catalog.store.listings import no_listing
from omni_kit.errors import AlreadyExists, FailedPrecondition, InvalidArgument
from omni_kit.facts import Event
from omni_kit.idempotency import Work
from omni_kit.ids import utcnow
from omni_kit.protos import from_timestamp

MAX_SKUS = 200
# A listing change and the listing it replaces (None: a new listing).
Change = tuple[ChannelListing | None, ChannelListing]


class ListingRpcs(Catalog):
    async def UpsertChannelListing(
        self, request: catalog_pb2.UpsertChannelListingRequest, context: aio.ServicerContext
    ) -> catalog_pb2.UpsertChannelListingResponse:
        wanted = listing_from(request.listing)
        rules.validate_listing(wanted)
        if request.expected_version < 0:
            raise InvalidArgument("expected_version must not be negative", field="expected_version")

        async def plan() -> Work[catalog_pb2.UpsertChannelListingResponse]:
            key = channel_key(wanted.channel)
            before = await self.listings.get(wanted.product_id, key)
            if request.expected_version == 0 and before is not None:
                raise AlreadyExists(
                    f"product {wanted.product_id!r} is already listed on {key} (version "
                    f"{before.version}); send that version to replace it",
                    reason="LISTING_EXISTS",
                    field="expected_version",
                    metadata={"current_version": before.version},
                )
            if request.expected_version and before is None:
                raise no_listing(wanted.product_id, key)
            saved, write = await self._save(before, wanted, request.expected_version)
            response = catalog_pb2.UpsertChannelListingResponse(listing=saved)
            return self.writing(write, response)

        return await self.infra.idempotency.run(
            context, request, catalog_pb2.UpsertChannelListingResponse, plan
        )

    async def UpdateChannelListing(
        self, request: catalog_pb2.UpdateChannelListingRequest, context: aio.ServicerContext
    ) -> catalog_pb2.UpdateChannelListingResponse:
        return await self.infra.idempotency.run(
            context,
            request,
            catalog_pb2.UpdateChannelListingResponse,
            lambda: self._plan_update_channel_listing(request),
        )

    async def _plan_update_channel_listing(
        self, request: catalog_pb2.UpdateChannelListingRequest
    ) -> Work[catalog_pb2.UpdateChannelListingResponse]:
        changes = listing_from(request.listing)
        if not changes.product_id:
            raise InvalidArgument("listing.product_id is required", field="listing.product_id")
        key = channel_key(changes.channel, "listing.channel")
        paths = masks.validate_mask(request.update_mask.paths, rules.UPDATABLE, rules.READ_ONLY)
        versions.require_version(request.expected_version)
        before = await self.listings.require(changes.product_id, key)
        updated = masks.apply_mask(before, changes, paths)
        rules.validate_listing(updated)
        saved, write = await self._save(before, updated, request.expected_version)
        return self.writing(write, catalog_pb2.UpdateChannelListingResponse(listing=saved))

    async def GetChannelListing(
        self, request: catalog_pb2.GetChannelListingRequest, context: aio.ServicerContext
    ) -> catalog_pb2.GetChannelListingResponse:
        if not request.product_id:
            raise InvalidArgument("product_id is required", field="product_id")
        key = channel_key(channel_from(request.channel))
        listing = await self.listings.require(request.product_id, key)
        product = await self.products.get(request.product_id)
        now = utcnow()
        [priced] = await self.readmodel.priced(product, [listing], now)
        return catalog_pb2.GetChannelListingResponse(listing=listing_message(priced, now))

    async def ListChannelListings(
        self, request: catalog_pb2.ListChannelListingsRequest, context: aio.ServicerContext
    ) -> catalog_pb2.ListChannelListingsResponse:
        size = paging.page_size(request.page_size)
        query: dict[str, Any] = {RETIRED: {"$exists": False}}
        if request.product_id:
            query["product_id"] = request.product_id
        if request.HasField("channel"):
            query["channel_key"] = channel_key(channel_from(request.channel))
        if request.published_only:
            query["published"] = True
        owner = paging.fingerprint("listings", query)
        values = paging.decode_cursor(request.page_token, 1, query=owner)
        if values is not None:
            query["_id"] = {"$gt": values[0]}
        page = await self.listings.page(query, [("_id", 1)], size + 1)
        listed = [listing_of(doc) for doc in page[:size]]
        found = await self.products.find([listing.product_id for listing in listed])
        now = utcnow()
        priced = await self.readmodel.priced_many(
            [(found[li.product_id], li) for li in listed if li.product_id in found], now
        )
        shown = {(li.product_id, li.channel): li for li in priced}
        response = catalog_pb2.ListChannelListingsResponse(
            listings=[
                listing_message(shown.get((li.product_id, li.channel), li), now) for li in listed
            ]
        )
        if len(page) > size:
            response.next_page_token = paging.encode_cursor([page[size - 1]["_id"]], owner)
        return response

    async def UnpublishProduct(
        self, request: catalog_pb2.UnpublishProductRequest, context: aio.ServicerContext
    ) -> catalog_pb2.UnpublishProductResponse:
        return await self.infra.idempotency.run(
            context,
            request,
            catalog_pb2.UnpublishProductResponse,
            lambda: self._plan_unpublish_product(request),
        )

    async def _plan_unpublish_product(
        self, request: catalog_pb2.UnpublishProductRequest
    ) -> Work[catalog_pb2.UnpublishProductResponse]:
        if not request.product_id:
            raise InvalidArgument("product_id is required", field="product_id")
        product = await self.products.get(request.product_id)
        if request.HasField("channel"):
            key = channel_key(channel_from(request.channel))
            targets = [await self.listings.require(product.id, key)]
        else:
            targets = await self.listings.for_product(product.id)
        changes: list[Change] = []
        for listing in targets:
            if not listing.published:
                continue
            if request.expected_version and listing.version != request.expected_version:
                raise versions.stale("the listing", request.expected_version, listing.version)
            changes.append((listing, replace(listing, published=False)))
        reason = request.reason or "unpublished by staff"
        saved, write = await self._save_all(changes, product, reason) if changes else ([], nothing)
        return self.writing(write, catalog_pb2.UnpublishProductResponse(listings=saved))

    async def GetPrices(
        self, request: catalog_pb2.GetPricesRequest, context: aio.ServicerContext
    ) -> catalog_pb2.GetPricesResponse:
        if not request.HasField("channel"):
            raise InvalidArgument("channel is required (prices are per channel)", field="channel")
        key = channel_key(channel_from(request.channel))
        if not request.skus or len(request.skus) > MAX_SKUS:
            raise InvalidArgument(f"give 1-{MAX_SKUS} SKUs", field="skus")
        at = from_timestamp(request.at) if request.HasField("at") else utcnow()
        skus = list(dict.fromkeys(request.skus))
        owners = await self.products.by_skus(skus)
        listed = await self.listings.for_products([p.id for p in owners.values()], key)
        priced = await self.readmodel.priced_many(
            [(product, listed[product.id]) for product in owners.values() if product.id in listed],
            at,
        )
        promoted = {listing.product_id: listing for listing in priced}
        response = catalog_pb2.GetPricesResponse()
        for sku in skus:
            product = owners.get(sku)
            listing = promoted.get(product.id) if product else None
            if product is None or listing is None:
                response.unknown_skus.append(sku)
                continue
            response.prices.append(
                sku_price_message(sku, product, listing, at, request.currency_code)
            )
        return response

    async def ListProductFeed(
        self, request: catalog_pb2.ListProductFeedRequest, context: aio.ServicerContext
    ) -> catalog_pb2.ListProductFeedResponse:
        if not request.HasField("channel"):
            raise InvalidArgument("channel is required", field="channel")
        size = paging.page_size(request.page_size)
        key = channel_key(channel_from(request.channel))
        query: dict[str, Any] = {"channel_key": key}
        if not request.include_unpublished:
            query["published"] = True
        if request.HasField("updated_since"):
            query["feed_at"] = {"$gte": from_timestamp(request.updated_since)}
        sort = [paging.SortKey("feed_at"), paging.SortKey("_id")]
        owner = paging.fingerprint("feed", query)
        values = paging.decode_cursor(request.page_token, 2, query=owner)
        if values is not None:
            query = {"$and": [query, paging.after(sort, values)]}
        page = await self.listings.page(query, [("feed_at", 1), ("_id", 1)], size + 1)
        found = await self.products.find([doc["product_id"] for doc in page[:size]])
        now = utcnow()
        items = []
        for document in page[:size]:
            listing = listing_of(document)
            items.append((found.get(listing.product_id) or retired_product(document), listing))
        priced = await self.readmodel.priced_many(items, now)
        response = catalog_pb2.ListProductFeedResponse()
        for (product, _), listing in zip(items, priced, strict=True):
            response.items.add(
                product=product_message(product), listing=listing_message(listing, now)
            )
        if len(page) > size:
            last = page[size - 1]
            response.next_page_token = paging.encode_cursor([last["feed_at"], last["_id"]], owner)
        return response

    async def _save(
        self,
        before: ChannelListing | None,
        after: ChannelListing,
        expected_version: int,
    ) -> tuple[catalog_pb2.ChannelListing, Write]:
        """A new or changed listing, and the write that stores it with the events its change
        means."""
        product = await self.products.get(after.product_id, field="listing.product_id")
        if after.published and product.status is not ProductStatus.ACTIVE:
            raise FailedPrecondition(
                f"product {product.id!r} is {status_name(product.status)}; only active products "
                "can be published",
                reason="PRODUCT_NOT_ACTIVE",
                field="listing.published",
            )
        if before is not None and before.version != expected_version:
            raise versions.stale("the listing", expected_version, before.version)
        currencies = await self.currencies.get(channel_key(after.channel))
        validate_prices(after.prices, products.skus(product), currencies, after.price)
        saved, write = await self._save_all([(before, after)], product, "unpublished by staff")
        return saved[0], write

    async def _save_all(
        self,
        changes: Sequence[Change],
        product: Product,
        reason: str,
    ) -> tuple[list[catalog_pb2.ChannelListing], Write]:
        now = utcnow()
        skus = products.skus(product)
        stamped = [(before, rules.stamped(before, after, now)) for before, after in changes]

        async def write(session: AsyncClientSession) -> list[Event]:
            facts: list[Event] = []
            for before, after in stamped:
                if before is None:
                    await self.listings.insert(after, session)
                else:
                    await self.listings.replace(after, before.version, session)
                facts += _facts(before, after, skus, reason)
            current = await self.products.get(product.id, session)
            for priced in await self.readmodel.priced(
                current, [a for _, a in stamped], now, session
            ):
                await self.history.follow(priced, channel_key(priced.channel), skus, now, session)
            await self.readmodel.refresh(current, session, scopes=_scopes(stamped))
            return facts

        shown = await self.readmodel.priced(product, [after for _, after in stamped], now)
        return [listing_message(after, now) for after in shown], write


def _scopes(changes: Sequence[Change]) -> list[str]:
    """The browse documents a listing change rewrites: the channel's, and the catalog's (which
    knows where the product is published and at what price)."""
    return [CATALOG, *(channel_key(after.channel) for _, after in changes)]


def _facts(
    before: ChannelListing | None, after: ChannelListing, skus: list[str], reason: str
) -> list[Event]:
    facts = []
    was_published = before is not None and before.published
    if after.published and not was_published:
        facts.append(events.product_published(after, skus))
    if was_published and not after.published:
        facts.append(events.product_unpublished(after, skus, reason))
    if before is not None and rules.price_terms_changed(before, after):
        facts.append(events.price_changed(after, before, skus))
    return facts
