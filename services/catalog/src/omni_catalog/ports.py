"""What the catalog needs from a search engine, as a small interface.

The built-in engine (store/search.py) answers from the browse read model and the vocabulary in
the catalog's own database, so it needs nothing else to run. An adapter for OpenSearch,
Meilisearch or Atlas Search implements the same three methods; docs/architecture.md says what
each must guarantee."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from omni_catalog.domain.browse import Browse, Facets
from omni_catalog.domain.categories import Category
from omni_catalog.domain.listings import ChannelListing
from omni_catalog.domain.products import Product


@dataclass(frozen=True)
class SearchRequest:
    # Filters, sort, channel, statuses, whether facets are wanted, and the query's words.
    browse: Browse
    category: Category | None
    # Where the previous page ended, as this engine wrote it (None: the first page).
    cursor: list[str] | None
    size: int


@dataclass(frozen=True)
class SearchResult:
    # The page: ids of products, in order.
    product_ids: list[str]
    # Where the next page starts (None: no more); strings, so it fits a page token.
    next_cursor: list[str] | None
    facets: Facets | None
    # The query as searched when words were corrected; "" when none was.
    corrected_query: str


class SearchEngine(Protocol):
    async def search(self, request: SearchRequest) -> SearchResult:
        """Products matching every word (the last also as a prefix) and every filter, ranked or
        sorted as asked; never reading more than a bounded amount per call."""
        ...

    async def index(self, product: Product, listings: Sequence[ChannelListing]) -> None:
        """Make the product findable as it now is (called after its change committed)."""
        ...

    async def remove(self, product_id: str) -> None: ...
