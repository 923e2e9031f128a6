"""ListProducts over the browse read model: which key ranges a request reads, what it checks on
each document it reads, and how a page, a search and facet counts are made.

A list (no text query) reads one range per shelf (several only for staff views across states),
driven by its most selective filter term; the other filters are checked on the documents read,
and a page stops at a work budget (returning fewer rows with a token to go on from) rather than
ever reading an unbounded range. A search reads the catalog documents of its rarest word (names
first, then name prefixes, then other fields) and ranks the first SEARCH_CAP matches."""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from omni_catalog.domain import browse as rules
from omni_catalog.domain.browse import Browse, Facets, PriceBand
from omni_catalog.domain.categories import Category
from omni_catalog.domain.money import Money
from omni_catalog.domain.products import ProductStatus
from omni_catalog.domain.search import PREFIX_MIN, Query, folded_value, matches, score
from omni_catalog.store import browse_model as model
from omni_catalog.store.browse import Accept, BrowseStore, Budget, Range, Rows

SEARCH_CAP = 240
# A filter with more values than this is checked on the documents read, not read by.
MAX_MERGED = 8
FACET_CAP = 200
# Price bands for facets, in minor units: [0, 10.00), [10.00, 25.00) ...
BANDS = (0, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000)
LEAN = {"keys": 0, "product": 0, "listing": 0, "listings": 0}


@dataclass
class Page:
    """One page: documents to show (each with `product` and, on a channel, `listing`), the
    cursor values of the next page (None: no more), facets, and what it cost."""

    documents: list[dict[str, Any]]
    next_cursor: list[str] | None
    facets: Facets | None = None
    budget: Budget = field(default_factory=Budget)


@dataclass(frozen=True)
class Plan:
    spans: tuple[Range, ...]
    accept: Accept
    descending: bool


class BrowseQuery:
    def __init__(self, store: BrowseStore) -> None:
        self.store = store

    # --- lists -------------------------------------------------------------------------------

    async def plan(self, wanted: Browse, category: Category | None) -> Plan:
        budget = Budget()
        channel = wanted.channel_key
        sort = wanted.sort
        # A channel's documents hold every sort's keys, so its list reads its own ranges and
        # never walks past products it does not sell; a list without a channel reads the
        # catalog's.
        options = self._options(wanted, category)
        if channel is not None:
            states: list[ProductStatus | str] = (
                [model.LIVE] if model.ACTIVE in wanted.statuses else []
            )
            if wanted.include_unpublished:
                states += list(wanted.statuses)
            shelves = [model.shelf(channel, state) for state in states]
        else:
            shelves = [model.shelf(model.CATALOG, status) for status in wanted.statuses]
        # Read by the filter with the fewest products (its values' ranges merged).
        driver: tuple[str, ...] = (model.ALL,)
        if len(options) == 1 or (options and not shelves):
            driver = options[0]
        elif len(options) > 1:
            sizes = []
            for terms in options:
                spans = [Range(shelves[0], term, sort) for term in terms]
                sizes.append(sum([await self.store.estimate(span, budget) for span in spans]))
            driver = options[sizes.index(min(sizes))]
        low = high = None
        price_is_range = sort == rules.PRICE and wanted.currency is not None
        if price_is_range:
            currency = wanted.currency or ""
            low = (
                model.price_value(currency, wanted.min_price.amount_minor)
                if wanted.min_price
                else currency
            )
            high = (
                model.price_value(currency, wanted.max_price.amount_minor) + chr(0x20)
                if wanted.max_price
                else currency + ":"
            )
        ranges = tuple(Range(place, term, sort, low, high) for place in shelves for term in driver)
        accept = self._residual(wanted, category, driver, price_is_range)
        return Plan(ranges, accept, wanted.descending)

    async def page(self, plan: Plan, cursor: str | None, size: int, budget: Budget) -> Page:
        rows = await self._read(plan.spans, cursor, plan.descending, size + 1, plan.accept, budget)
        next_cursor = None
        if len(rows.rows) > size:
            next_cursor = ["k", rows.rows[size - 1][0]]
        elif rows.frontier is not None:
            # The budget ran out before the page filled: go on from where reading stopped.
            next_cursor = ["k", rows.frontier]
        documents = [doc for _, doc in rows.rows[:size]]
        return Page(documents, next_cursor, budget=budget)

    async def list_facets(self, plan: Plan) -> Facets:
        budget = Budget(documents=FACET_CAP * 4)
        rows = await self._read(plan.spans, None, plan.descending, FACET_CAP, plan.accept, budget)
        documents = [doc for _, doc in rows.rows]
        complete = rows.frontier is None and not budget.spent
        return facets(documents, complete)

    async def _read(
        self,
        spans: Sequence[Range],
        cursor: str | None,
        descending: bool,
        need: int,
        accept: Accept,
        budget: Budget,
    ) -> Rows:
        """Rows from one range, or merged from several (same sort: one cursor serves all)."""
        if not spans:
            return Rows(frontier=None)
        if len(spans) == 1:
            return await self.store.read(spans[0], cursor, descending, need, accept, budget)
        parts = [
            await self.store.read(span, cursor, descending, need, accept, budget) for span in spans
        ]
        # Everything up to the least-advanced frontier has been read in every range.
        frontiers = [part.frontier for part in parts if part.frontier is not None]
        safe = (max(frontiers) if descending else min(frontiers)) if frontiers else None
        merged = heapq.merge(
            *[part.rows for part in parts], key=lambda row: row[0], reverse=descending
        )
        rows = []
        seen: set[str] = set()
        for value, doc in merged:
            if safe is not None and ((value < safe) if descending else (value > safe)):
                break
            if doc["product_id"] in seen:
                continue
            seen.add(doc["product_id"])
            rows.append((value, doc))
            if len(rows) == need:
                return Rows(rows, value)
        return Rows(rows, safe)

    def _options(self, wanted: Browse, category: Category | None) -> list[tuple[str, ...]]:
        """The filters a list can be read by: each a set of terms, any of which matches."""
        options = []
        for key, values in wanted.attributes:
            terms = tuple(dict.fromkeys(model.attribute_term(key, value) for value in values))
            if len(terms) <= MAX_MERGED:
                options.append(terms)
        if category is not None:
            options.append((model.category_term(category.id),))
        return options

    @staticmethod
    def _residual(
        wanted: Browse,
        category: Category | None,
        driver: tuple[str, ...],
        price_is_range: bool,
    ) -> Accept:
        """What a document read from the driver's ranges must also satisfy."""
        checks: list[Accept] = []
        if category is not None:
            cat_id = category.id
            if not wanted.include_subcategories:
                checks.append(lambda doc: cat_id in doc["own_cats"])
            elif driver != (model.category_term(cat_id),):
                checks.append(lambda doc: cat_id in doc["cats"])
        for key, values in wanted.attributes:
            wanted_pairs = {f"{key}={folded_value(value)}" for value in values}
            if set(driver) == {f"a:{pair}" for pair in wanted_pairs}:
                continue
            checks.append(_has_any(wanted_pairs))
        if not price_is_range and (wanted.min_price or wanted.max_price):
            checks.append(_price_check(wanted, wanted.channel_key))
        return lambda doc: all(check(doc) for check in checks)

    @staticmethod
    def _with_listings(documents: list[dict[str, Any]], channel: str) -> list[dict[str, Any]]:
        """Catalog documents with the channel's listing and price (which they carry)."""
        shown = []
        for doc in documents:
            listing = doc.get("listings", {}).get(channel)
            shown.append(doc if listing is None else {**_priced(doc, channel), "listing": listing})
        return shown

    # --- search ------------------------------------------------------------------------------

    async def search(
        self,
        wanted: Browse,
        query: Query,
        category: Category | None,
        cursor: list[str] | None,
        size: int,
        budget: Budget,
    ) -> tuple[list[str], list[str] | None, Facets | None]:
        """A page of the best SEARCH_CAP matches (fewer read when the budget runs out), ranked
        by relevance or sorted as asked: product ids, the next page's cursor, facets."""
        candidates, complete = await self.candidates(wanted, query, category, budget)
        channel = wanted.channel_key
        if channel is not None:
            # Catalog documents carry each channel's price: sorts and facets use it.
            candidates = [_priced(doc, channel) for doc in candidates]
        descending = wanted.descending and wanted.sort != rules.RELEVANCE
        ordered = sorted(
            ((_search_key(wanted, query, doc), doc) for doc in candidates),
            key=lambda row: row[0],
            reverse=descending,
        )
        start = 0
        if cursor is not None:
            after = (cursor[1], cursor[2])
            start = next(
                (
                    i
                    for i, (key, _) in enumerate(ordered)
                    if (key < after if descending else key > after)
                ),
                len(ordered),
            )
        chosen = ordered[start : start + size]
        next_cursor = None
        if start + size < len(ordered):
            next_cursor = ["s", *chosen[-1][0]]
        found = facets(candidates, complete) if wanted.include_facets else None
        return [doc["product_id"] for _, doc in chosen], next_cursor, found

    async def candidates(
        self,
        wanted: Browse,
        query: Query,
        category: Category | None,
        budget: Budget,
    ) -> tuple[list[dict[str, Any]], bool]:
        """Up to SEARCH_CAP catalog documents matching the query and the filters, best field
        first; and whether that is every match."""
        statuses = wanted.statuses
        if wanted.channel_key is not None and not wanted.include_unpublished:
            statuses = tuple(s for s in statuses if s == model.ACTIVE)
        shelves = [model.shelf(model.CATALOG, status) for status in statuses]
        driver = query.words[-1]
        if len(query.words) > 1 and shelves:
            sizes = []
            for word in query.words:
                spans = _word_spans(query, word, shelves[:1])
                sizes.append(sum([await self.store.estimate(span, budget) for span in spans]))
            driver = query.words[sizes.index(min(sizes))]
        spans = _word_spans(query, driver, shelves)
        checks = [self._residual(wanted, category, (), False)]
        channel = wanted.channel_key
        if channel is not None:
            # Search reads catalog documents: keep what the channel shows (or lists, for staff).
            shown_on = "listed" if wanted.include_unpublished else "live"
            checks.append(lambda doc: channel in doc[shown_on])

        def accept(doc: dict[str, Any]) -> bool:
            return matches(query, doc["words"], skip=driver) and all(c(doc) for c in checks)

        found: dict[str, dict[str, Any]] = {}
        complete = True
        for span in spans:
            rows = await self.store.read(
                span, None, False, SEARCH_CAP - len(found), accept, budget, projection=LEAN
            )
            for _, doc in rows.rows:
                found.setdefault(doc["product_id"], doc)
            if rows.frontier is not None:
                complete = False
            if len(found) >= SEARCH_CAP:
                return list(found.values()), False
        return list(found.values()), complete

    async def shown(self, product_ids: Sequence[str], channel: str | None) -> list[dict[str, Any]]:
        """The documents of a page of products (with the channel's listing), in order."""
        ids = [model.document_id(product_id, model.CATALOG) for product_id in product_ids]
        found = await self.store.by_ids(ids)
        full = [found[i] for i in ids if i in found]
        if channel is not None:
            full = self._with_listings(full, channel)
        return full


def _word_spans(query: Query, word: str, shelves: Sequence[str]) -> list[Range]:
    """Where products with `word` are, best field first: the word in a name, a name word it
    begins (the query's last word, being typed), the word elsewhere."""
    spans = [Range(place, model.word_term("n", word), model.NAME) for place in shelves]
    if word == query.words[-1] and len(word) >= PREFIX_MIN:
        spans += [Range(place, word, model.NAME, words="n") for place in shelves]
    spans += [Range(place, model.word_term("o", word), model.NAME) for place in shelves]
    return spans


def _search_key(wanted: Browse, query: Query, doc: dict[str, Any]) -> tuple[str, str]:
    """Where a search result sorts, as two strings (so it fits a page token): relevance (best
    first), or the asked-for sort value; then the name and product id."""
    name = model.suffix(doc["name"], doc["product_id"])
    sort = wanted.sort
    if sort == rules.RELEVANCE:
        return (f"{1_000_000 - round(score(query, doc['words']) * 100):07d}", name)
    if sort == rules.NAME:
        return (name, name)
    if sort == rules.PRICE:
        return (model.price_value(doc.get("currency", ""), doc.get("price", 0)), name)
    return (doc["created"] if sort == rules.NEWEST else doc["updated"], name)


def _priced(doc: dict[str, Any], channel: str) -> dict[str, Any]:
    """A catalog document with its price on `channel` as a channel document has it."""
    price = doc.get("prices", {}).get(channel)
    if price is None:
        return doc
    return {**doc, "price": price["a"], "currency": price["c"]}


def _has_any(pairs: set[str]) -> Accept:
    return lambda doc: not pairs.isdisjoint(doc["attrs"])


def _price_check(wanted: Browse, channel: str | None) -> Accept:
    low, high = wanted.min_price, wanted.max_price
    currency = wanted.currency

    def check(doc: dict[str, Any]) -> bool:
        if "currency" not in doc and channel is not None:
            doc = _priced(doc, channel)
        if doc.get("currency") != currency:
            return False
        price = doc.get("price", 0)
        return (low is None or price >= low.amount_minor) and (
            high is None or price <= high.amount_minor
        )

    return check


def facets(documents: Sequence[dict[str, Any]], complete: bool) -> Facets:
    """Counts of categories, attribute values and price bands over `documents`."""
    categories: Counter[str] = Counter()
    attributes: dict[str, Counter[str]] = {}
    bands: Counter[tuple[str, int]] = Counter()
    for doc in documents:
        categories.update(doc.get("cats", ()))
        for pair in doc.get("attrs", ()):
            key, _, value = pair.partition("=")
            attributes.setdefault(key, Counter())[value] += 1
        if "currency" in doc and "price" in doc:
            band = max(i for i, floor in enumerate(BANDS) if doc["price"] >= floor)
            bands[(doc["currency"], band)] += 1
    return Facets(
        categories=_by_count(categories),
        attributes=tuple((key, _by_count(attributes[key])) for key in sorted(attributes)),
        price_bands=tuple(
            PriceBand(
                Money(BANDS[band], currency),
                Money(BANDS[band + 1], currency) if band + 1 < len(BANDS) else None,
                count,
            )
            for (currency, band), count in sorted(bands.items())
        ),
        counted=len(documents),
        complete=complete,
    )


def _by_count(counts: Counter[str]) -> tuple[tuple[str, int], ...]:
    """(value, count) pairs, the most common first, then by value."""
    return tuple(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
