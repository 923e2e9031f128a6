"""ImportProducts: many products with their listings in one transaction, checked as the single
creates check them, written in batches with their read-model documents, and announced by one
`omni.catalog.products.imported` event per call (100,000 products would otherwise be 400,000
events for the outbox relay to publish one by one)."""

from __future__ import annotations

from dataclasses import replace

from grpc import aio
from pymongo.asynchronous.client_session import AsyncClientSession

from omni.catalog.v1 import catalog_pb2
from omni_catalog import events
from omni_catalog.api.common import Catalog, Noted
from omni_catalog.api.messages import listing_from, listing_message, product_from, product_message
from omni_catalog.domain import listings as listing_rules
from omni_catalog.domain import products
from omni_catalog.domain.channels import channel_key
from omni_catalog.domain.listings import ChannelListing
from omni_catalog.domain.prices import validate_prices
from omni_catalog.domain.products import Product, ProductStatus
from omni_catalog.store import browse_model
from omni_catalog.store.products import sku_taken, slug_taken
from omni_kit.errors import FailedPrecondition, InvalidArgument, NotFound
from omni_kit.facts import Event
from omni_kit.idempotency import Work
from omni_kit.ids import new_id, utcnow

MAX_ITEMS = 200
# A product of the import with its listings.
Item = tuple[Product, list[ChannelListing]]


class ImportRpcs(Catalog):
    async def ImportProducts(
        self, request: catalog_pb2.ImportProductsRequest, context: aio.ServicerContext
    ) -> catalog_pb2.ImportProductsResponse:
        if not request.items or len(request.items) > MAX_ITEMS:
            raise InvalidArgument(f"give 1-{MAX_ITEMS} items", field="items")
        checked = [_checked(index, item) for index, item in enumerate(request.items)]
        _unique_within(checked)
        noted: Noted = []

        async def plan() -> Work[catalog_pb2.ImportProductsResponse]:
            await self._check_batch(checked)
            await self._check_prices(checked)
            made = _created(checked)
            category_ids = {c for product, _ in made for c in product.category_ids}

            async def write(session: AsyncClientSession) -> list[Event]:
                categories = await self.categories.by_ids(list(category_ids), session)
                now = utcnow()
                # Priced with the catalog promotions covering them (read once per channel and
                # category of the batch).
                priced = iter(
                    await self.readmodel.priced_many(
                        [(product, listing) for product, ls in made for listing in ls], now, session
                    )
                )
                shown = [(product, [next(priced) for _ in ls]) for product, ls in made]
                documents = []
                for product, listings in shown:
                    documents += browse_model.documents(
                        product, listings, categories, now, self.readmodel.wire
                    )
                all_listings = [x for _, ls in made for x in ls]
                await self.products.insert_many([product for product, _ in made], session)
                await self.listings.insert_many(all_listings, session)
                await self.history.start(
                    [
                        (listing, channel_key(listing.channel), products.skus(product))
                        for product, listings in shown
                        for listing in listings
                    ],
                    now,
                    session,
                )
                await self.readmodel.browse.insert(documents, session)
                return [events.products_imported([p for p, _ in made], all_listings)]

            now = utcnow()
            response = catalog_pb2.ImportProductsResponse(
                products=[product_message(product) for product, _ in made],
                listings=[
                    listing_message(listing, now) for _, listings in made for listing in listings
                ],
            )
            noted.extend((None, product) for product, _ in made)
            return self.writing(write, response)

        return await self.infra.idempotency.run(
            context, request, catalog_pb2.ImportProductsResponse, plan, then=self.count_words(noted)
        )

    async def _check_prices(self, made: list[Item]) -> None:
        """Every price is in a currency its channel sells in, every variant price the product's."""
        keys = {channel_key(listing.channel) for _, listings in made for listing in listings}
        currencies = {key: await self.currencies.get(key) for key in keys}
        for index, (product, listings) in enumerate(made):
            for position, listing in enumerate(listings):
                sold = currencies[channel_key(listing.channel)]
                where = f"items[{index}].listings[{position}]"
                validate_prices(listing.prices, products.skus(product), sold, listing.price, where)

    async def _check_batch(self, made: list[Item]) -> None:
        """Categories exist; no slug or SKU is another product's already."""
        wanted = list(dict.fromkeys(c for product, _ in made for c in product.category_ids))
        missing = set(await self.categories.missing(wanted))
        for index, (product, _) in enumerate(made):
            for position, category_id in enumerate(product.category_ids):
                if category_id in missing:
                    raise NotFound(
                        f"no category with id {category_id!r}",
                        reason="CATEGORY_NOT_FOUND",
                        field=f"items[{index}].product.category_ids[{position}]",
                        metadata={"category_id": category_id},
                    )
        taken_slugs = await self.products.slug_owners([product.slug for product, _ in made])
        if taken_slugs:
            raise slug_taken(next(iter(taken_slugs)))
        owners = await self.products.by_skus(
            [s for product, _ in made for s in products.skus(product)]
        )
        if owners:
            sku, owner = next(iter(owners.items()))
            raise sku_taken(sku, owner.id)


def _checked(index: int, item: catalog_pb2.ImportItem) -> Item:
    field = f"items[{index}]"
    product = product_from(item.product, f"{field}.product")
    product = replace(product, status=product.status or ProductStatus.DRAFT)
    products.validate_product(product, f"{field}.product")
    listings = []
    channels: set[str] = set()
    for position, given in enumerate(item.listings):
        where = f"{field}.listings[{position}]"
        listing = replace(listing_from(given, where), product_id="new")
        listing_rules.validate_listing(listing, where)
        key = channel_key(listing.channel, f"{where}.channel")
        if key in channels:
            raise InvalidArgument(f"the product is listed on {key} twice", field=f"{where}.channel")
        channels.add(key)
        if listing.published and product.status is not ProductStatus.ACTIVE:
            raise FailedPrecondition(
                "only active products can be published",
                reason="PRODUCT_NOT_ACTIVE",
                field=f"{where}.published",
            )
        listings.append(listing)
    return product, listings


def _created(checked: list[Item]) -> list[Item]:
    """The checked products and listings with their ids, first versions and times."""
    now = utcnow()
    made = []
    for given, listings in checked:
        product = replace(given, id=new_id("prod"), version=1, created_at=now, updated_at=now)
        made.append(
            (
                product,
                [
                    replace(
                        listing,
                        product_id=product.id,
                        version=1,
                        created_at=now,
                        updated_at=now,
                        published_at=now if listing.published else listing.published_at,
                    )
                    for listing in listings
                ],
            )
        )
    return made


def _unique_within(made: list[Item]) -> None:
    slugs: set[str] = set()
    skus: set[str] = set()
    for index, (product, _) in enumerate(made):
        if product.slug in slugs:
            raise InvalidArgument(
                f"slug {product.slug!r} appears twice in this import",
                reason="DUPLICATE_SLUG",
                field=f"items[{index}].product.slug",
            )
        slugs.add(product.slug)
        for sku in products.skus(product):
            if sku in skus:
                raise InvalidArgument(
                    f"SKU {sku!r} appears twice in this import",
                    reason="DUPLICATE_SKU",
                    field=f"items[{index}].product.variants",
                )
            skus.add(sku)
