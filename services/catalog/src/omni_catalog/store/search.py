"""The built-in search engine: the browse read model's word ranges, the vocabulary for
corrections, relevance over a bounded set of matches (see browse_query.py). It needs no index
calls: the read model is written in the same transaction as the product."""

from __future__ import annotations

from collections.abc import Sequence

from omni_catalog.domain.listings import ChannelListing
from omni_catalog.domain.products import Product
from omni_catalog.domain.search import PREFIX_MIN, Query, best_correction
from omni_catalog.ports import SearchRequest, SearchResult
from omni_catalog.store.browse import BrowseStore, Budget
from omni_catalog.store.browse_query import BrowseQuery
from omni_catalog.store.vocabulary import VocabularyStore


class ReadModelSearch:
    def __init__(self, browse: BrowseStore, vocabulary: VocabularyStore) -> None:
        self.finder = BrowseQuery(browse)
        self.vocabulary = vocabulary

    async def search(self, request: SearchRequest) -> SearchResult:
        wanted = request.browse
        query = await self._corrected(wanted.query, finish=False)
        found = await self.finder.search(
            wanted, query, request.category, request.cursor, request.size, Budget()
        )
        if not found[0] and request.cursor is None:
            # Nothing even as a prefix: the last word may be misspelt rather than unfinished.
            retried = await self._corrected(query, finish=True)
            if retried != query:
                query = retried
                found = await self.finder.search(
                    wanted, query, request.category, request.cursor, request.size, Budget()
                )
        ids, after, counted = found
        return SearchResult(ids, after, counted, query.text if query.corrected else "")

    async def index(self, product: Product, listings: Sequence[ChannelListing]) -> None:
        """Nothing to do: the product's transaction wrote its browse documents."""

    async def remove(self, product_id: str) -> None:
        """Nothing to do: the product's transaction removed its browse documents."""

    async def _corrected(self, query: Query, *, finish: bool) -> Query:
        """The query with words the catalog does not know replaced by the closest known word.
        The last word may be unfinished (type-ahead): it is left alone unless `finish`."""
        known = await self.vocabulary.counts(query.words)
        words = list(query.words)
        fixed = []
        for index, word in enumerate(words):
            unfinished = index == len(words) - 1 and len(word) >= PREFIX_MIN and not finish
            if word in known or unfinished or word.isdigit():
                continue
            replacement = best_correction(word, await self.vocabulary.near(word))
            if replacement is not None:
                words[index] = replacement
                fixed.append(replacement)
        return query.with_words(words, fixed) if fixed else query
