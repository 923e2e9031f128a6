"""Keeps the browse read model in step with what it is made of: every write of a product, a
listing or a category move rewrites the product's browse documents inside the same transaction
(so a page never shows a state that was not committed), and the vocabulary's word counts follow
after the commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from omni_catalog.domain.channels import channel_key
from omni_catalog.domain.listings import ChannelListing
from omni_catalog.domain.products import Product
from omni_catalog.domain.search import product_words
from omni_catalog.ports import SearchEngine
from omni_catalog.store import browse_model as model
from omni_catalog.store.browse import BrowseStore
from omni_catalog.store.categories import CategoryStore
from omni_catalog.store.listings import ListingStore
from omni_catalog.store.promotions import PromotionStore
from omni_catalog.store.search import ReadModelSearch
from omni_catalog.store.vocabulary import VocabularyStore, VocabularyWriter
from omni_kit.ids import utcnow


class ReadModel:
    def __init__(
        self, db: AsyncDatabase[dict[str, Any]], wire: model.Wire, words_every: float = 5.0
    ) -> None:
        self.wire = wire
        self.browse = BrowseStore(db)
        self.listings = ListingStore(db)
        self.categories = CategoryStore(db)
        self.promotions = PromotionStore(db)
        self.vocabulary = VocabularyStore(db)
        self.words = VocabularyWriter(self.vocabulary, words_every)
        self.search: SearchEngine = ReadModelSearch(self.browse, self.vocabulary)

    async def refresh(
        self,
        product: Product,
        session: AsyncClientSession,
        *,
        listings: Sequence[ChannelListing] | None = None,
        scopes: Sequence[str] | None = None,
        now: datetime | None = None,
    ) -> list[dict[str, Any]]:
        """Rewrite `product`'s browse documents (those of `scopes` only, when given) from what
        the transaction sees."""
        if listings is None:
            listings = await self.listings.for_product(product.id, session)
        at = now or utcnow()
        categories = await self.categories.by_ids(list(product.category_ids), session)
        cats = model.categories_of(product, categories)
        listings = await self.promotions.discounted([(li, cats) for li in listings], at, session)
        documents = model.documents(product, listings, categories, at, self.wire)
        if scopes is not None:
            documents = [doc for doc in documents if doc["scope"] in scopes]
        await self.browse.write(documents, session)
        return documents

    async def priced(
        self,
        product: Product,
        listings: Sequence[ChannelListing],
        at: datetime,
        session: AsyncClientSession | None = None,
    ) -> list[ChannelListing]:
        """`listings` of `product` carrying the catalog promotions that cover them, so their
        prices in force count them."""
        return await self.priced_many([(product, listing) for listing in listings], at, session)

    async def priced_many(
        self,
        items: Sequence[tuple[Product, ChannelListing]],
        at: datetime,
        session: AsyncClientSession | None = None,
    ) -> list[ChannelListing]:
        """Each (product, listing)'s listing carrying the promotions that cover it."""
        wanted = {c for product, _ in items for c in product.category_ids}
        categories = await self.categories.by_ids(sorted(wanted), session)
        covered = [
            (listing, model.categories_of(product, categories)) for product, listing in items
        ]
        return await self.promotions.discounted(covered, at, session)

    async def forget(
        self,
        product_id: str,
        listings: Sequence[ChannelListing],
        session: AsyncClientSession,
    ) -> None:
        scopes = [model.CATALOG, *(channel_key(listing.channel) for listing in listings)]
        await self.browse.remove([model.document_id(product_id, s) for s in scopes], session)

    def words_changed(self, before: Product | None, after: Product | None) -> None:
        """After the commit: the vocabulary counts the words `after` has and `before` had."""
        old = product_words(before).spelling if before is not None else set()
        new = product_words(after).spelling if after is not None else set()
        self.words.note(added=new - old, removed=old - new)
