"""The browse read model's collection: writing a product's documents, and reading one range of
the `keys` index a few keys at a time (see browse_model.py for what the keys are)."""

from __future__ import annotations

import bisect
import math
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, IndexModel, ReplaceOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from omni_catalog.store import browse_model as model

DAWN = datetime(1970, 1, 1, tzinfo=UTC)
INDEXES = [
    IndexModel([("keys", ASCENDING)], name="keys"),
    # Only documents whose price changes by itself (a sale window ahead) carry flip_at.
    IndexModel([("flip_at", ASCENDING)], name="flips", sparse=True),
    # The documents a catalog promotion covers (store/promotions.py).
    IndexModel([("cats", ASCENDING), ("scope", ASCENDING)], name="cats"),
]
# What a list never reads back: the keys (the document's fields give its sort value).
NO_KEYS = {"keys": 0}
# What finding a fence needs: the fields its place in a range is made of.
FENCE = {
    "product_id": 1,
    "name": 1,
    "price": 1,
    "currency": 1,
    "created": 1,
    "updated": 1,
    "words": 1,
}
Accept = Callable[[dict[str, Any]], bool]
# Fence lists remembered per range: at most CACHED fences each, for FENCE_SECONDS.
CACHED = 512
CACHED_RANGES = 4096
FENCE_SECONDS = 10.0


@dataclass(frozen=True)
class Range:
    """One (shelf, sort, term) range of keys, optionally bounded: keys strictly between `low`
    and `high` (sort values; None is open). With `words`, the term is a word class (`n` or
    `o`) and the range holds every word of it beginning with `term` (type-ahead)."""

    shelf: str
    term: str
    sort: str
    low: str | None = None
    high: str | None = None
    words: str | None = None

    def prefix(self, level: int = 0) -> str:
        if self.words is not None:
            return model.words_prefix(self.shelf, self.words, self.term, level)
        return model.prefix(self.shelf, self.term, self.sort, level)

    def positions(self, doc: dict[str, Any]) -> list[str]:
        """Where `doc`'s keys sit in the range: the part of each key after the prefix."""
        value = model.sort_value(doc, self.sort)
        if self.words is None:
            return [value]
        start = len(self.term)
        found = doc.get("words", {}).get(self.words, ())
        return sorted(f"{w[start:]}{model.SEP}{value}" for w in found if w.startswith(self.term))


@dataclass
class Budget:
    """What one request may spend on the store: queries and documents read."""

    queries: int = 48
    documents: int = 3000
    used_queries: int = 0
    read: int = 0

    @property
    def spent(self) -> bool:
        return self.used_queries >= self.queries or self.read >= self.documents


@dataclass
class Fences:
    level: int
    values: list[str]
    expires: float


@dataclass
class Rows:
    """Documents accepted from a range, in sort order, with each one's sort value; `frontier`
    is how far the range has been read (None: to its end), the cursor to go on from."""

    rows: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    frontier: str | None = None


class BrowseStore:
    # Tests set this to see every query the browse read model runs (to explain them).
    observer: Callable[[dict[str, Any]], None] | None = None

    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self.docs = db[model.COLLECTION]
        self._fences: OrderedDict[tuple[str, str | None, str | None], Fences] = OrderedDict()

    # --- writes (inside the caller's transaction) ------------------------------------------

    async def write(self, documents: Sequence[dict[str, Any]], session: AsyncClientSession) -> None:
        if documents:
            await self.docs.bulk_write(
                [ReplaceOne({"_id": doc["_id"]}, doc, upsert=True) for doc in documents],
                ordered=False,
                session=session,
            )

    async def insert(
        self, documents: Sequence[dict[str, Any]], session: AsyncClientSession
    ) -> None:
        if documents:
            await self.docs.insert_many(list(documents), ordered=False, session=session)

    async def remove(self, ids: Sequence[str], session: AsyncClientSession) -> None:
        if ids:
            await self.docs.delete_many({"_id": {"$in": list(ids)}}, session=session)

    async def make_due(
        self, scopes: Sequence[str], category_ids: Sequence[str], at: datetime, batch: int
    ) -> int:
        """Make the channel documents of `scopes` in any of `category_ids` (or below) due at
        `at`, `batch` at a time (a catalog promotion covering them changed); returns how many.
        One indexed read per (category, scope): equalities every store serves from the index."""
        marked = 0
        for category_id in category_ids:
            for scope in scopes:
                query = {"cats": category_id, "scope": scope}
                ids: list[str] = []
                async for document in self.docs.find(query, {"_id": 1}).batch_size(batch):
                    ids.append(document["_id"])
                    if len(ids) >= batch:
                        marked += await self._due_now(ids, at)
                        ids = []
                marked += await self._due_now(ids, at)
        return marked

    async def _due_now(self, ids: list[str], at: datetime) -> int:
        if not ids:
            return 0
        result = await self.docs.update_many({"_id": {"$in": ids}}, {"$set": {"flip_at": at}})
        return result.modified_count

    # --- reads -------------------------------------------------------------------------------

    async def by_ids(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        if not ids:
            return {}
        found = await self._find({"_id": {"$in": list(ids)}}, NO_KEYS)
        return {doc["_id"]: doc for doc in found}

    async def due(self, now: datetime, limit: int) -> list[dict[str, Any]]:
        """Channel documents whose price changes at or before `now` (a sale window opened or
        closed), oldest first."""
        documents = await self._find({"flip_at": {"$gte": DAWN, "$lte": now}}, NO_KEYS, limit)
        return sorted(documents, key=lambda doc: doc["flip_at"])

    async def read(
        self,
        span: Range,
        cursor: str | None,
        descending: bool,
        need: int,
        accept: Accept,
        budget: Budget,
        *,
        projection: dict[str, int] | None = None,
    ) -> Rows:
        """Up to `need` accepted documents after `cursor` (a sort value, exclusive; None: from
        the start) in `span`, reading window by window until `need` are found, the range ends,
        or `budget` is spent (then fewer, with the frontier to go on from)."""
        result = Rows(frontier=cursor)
        position = self._clip(span, cursor, descending)
        wanted = need
        while len(result.rows) < need:
            if budget.spent:
                return result
            far = await self._reach(span, position, descending, wanted, budget)
            documents = await self._window(
                span, 0, position, far, descending, projection or NO_KEYS, budget
            )
            accepted = [
                (_place(span, doc, position, far, descending), doc)
                for doc in documents
                if accept(doc)
            ]
            accepted.sort(key=lambda row: row[0], reverse=descending)
            room = need - len(result.rows)
            result.rows += accepted[:room]
            if len(accepted) >= room:
                result.frontier = result.rows[-1][0]
                return result
            if far is None:
                result.frontier = None
                return result
            position = result.frontier = far
            # Widen the next window by how sparse accepted documents were in this one.
            wanted = min(need * 16, max(room - len(accepted), 1) * _sparsity(documents, accepted))
        return result

    async def estimate(self, span: Range, budget: Budget) -> int:
        """About how many keys `span` holds, from its fences."""
        fences = await self.fences(span, budget)
        return round(max(len(fences.values), 0.5) * model.FANOUT**fences.level)

    async def fences(self, span: Range, budget: Budget) -> Fences:
        """The range's fences at the lowest level that has at most CACHED of them (remembered
        for FENCE_SECONDS: they only bound reads, so an old list costs speed, never rows)."""
        key = (span.prefix(), span.low, span.high)
        now = time.monotonic()
        known = self._fences.get(key)
        if known is not None and known.expires > now:
            self._fences.move_to_end(key)
            return known
        chosen = Fences(model.LEVELS, [], now + FENCE_SECONDS)
        for level in range(model.LEVELS, 0, -1):
            documents = await self._window(span, level, None, None, False, FENCE, budget)
            values = sorted(
                place for doc in documents for place in span.positions(doc) if _inside(span, place)
            )
            chosen = Fences(level, values, now + FENCE_SECONDS)
            if len(values) * model.FANOUT > CACHED:
                break
        self._fences[key] = chosen
        while len(self._fences) > CACHED_RANGES:
            self._fences.popitem(last=False)
        return chosen

    async def _reach(
        self, span: Range, position: str | None, descending: bool, need: int, budget: Budget
    ) -> str | None:
        """A place about `need` keys past `position` (None: the end of the range), found by
        walking the fences down the levels, each level's read bounded by the one above: like a
        skip list. The upper levels come from the remembered fences."""
        fences = await self.fences(span, budget)
        ahead = _ahead(fences.values, position, descending)
        step = math.ceil(need / model.FANOUT**fences.level)
        far = ahead[step - 1] if len(ahead) >= step else None
        for level in range(fences.level - 1, 0, -1):
            documents = await self._window(span, level, position, far, descending, FENCE, budget)
            values = sorted(
                (_place(span, doc, position, far, descending) for doc in documents),
                reverse=descending,
            )
            step = math.ceil(need / model.FANOUT**level)
            if len(values) >= step:
                far = values[step - 1]
        return far

    async def _window(
        self,
        span: Range,
        level: int,
        near: str | None,
        far: str | None,
        descending: bool,
        projection: dict[str, int],
        budget: Budget,
    ) -> list[dict[str, Any]]:
        """Documents whose key at `level` lies strictly past `near` and up to `far` inclusive
        (None: the range's own bounds)."""
        start = span.prefix(level)
        low, high = (far, near) if descending else (near, far)
        condition: dict[str, str] = {}
        if descending:
            # [far, near): `far` is a fence already counted as part of this window.
            condition["$gte" if low is not None else "$gt"] = start + (low or "")
            condition["$lt"] = start + high if high is not None else model.end_of(start)
        else:
            condition["$gt"] = start + (low or "")
            if high is not None:
                condition["$lte"] = start + high
            else:
                condition["$lt"] = model.end_of(start)
        condition = _within(span, start, condition)
        budget.used_queries += 1
        documents = await self._find({"keys": condition}, projection)
        budget.read += len(documents)
        return documents

    async def _find(
        self, query: dict[str, Any], projection: dict[str, int], limit: int = 0
    ) -> list[dict[str, Any]]:
        if BrowseStore.observer is not None:
            BrowseStore.observer(query)
        return [doc async for doc in self.docs.find(query, projection, limit=limit)]

    @staticmethod
    def _clip(span: Range, cursor: str | None, descending: bool) -> str | None:
        """The cursor, moved inside the range's own bounds."""
        edge = span.high if descending else span.low
        if cursor is None:
            return edge
        if edge is None:
            return cursor
        return min(cursor, edge) if descending else max(cursor, edge)


def _within(span: Range, start: str, condition: dict[str, str]) -> dict[str, str]:
    """`condition` narrowed to the range's bounds (prices between a minimum and a maximum)."""
    narrowed = dict(condition)
    if span.low is not None:
        floor = start + span.low
        lower = narrowed.get("$gt") or narrowed.get("$gte")
        if lower is None or lower < floor:
            narrowed.pop("$gte", None)
            narrowed["$gt"] = floor
    if span.high is not None:
        ceiling = start + span.high
        upper = narrowed.get("$lt") or narrowed.get("$lte")
        if upper is None or upper > ceiling:
            narrowed.pop("$lte", None)
            narrowed["$lt"] = ceiling
    return narrowed


def _place(
    span: Range, doc: dict[str, Any], near: str | None, far: str | None, descending: bool
) -> str:
    """The first of `doc`'s places in the range inside the window read (a document holding
    several words of a type-ahead range has several)."""
    places = span.positions(doc)
    if descending:
        places = places[::-1]
    for place in places:
        past_near = near is None or (place < near if descending else place > near)
        within_far = far is None or (place >= far if descending else place <= far)
        if past_near and within_far:
            return place
    return places[0] if places else ""


def _inside(span: Range, place: str) -> bool:
    return (span.low is None or place > span.low) and (span.high is None or place < span.high)


def _ahead(values: list[str], position: str | None, descending: bool) -> list[str]:
    """The fences past `position` in reading order."""
    if descending:
        end = len(values) if position is None else bisect.bisect_left(values, position)
        return values[:end][::-1]
    start = 0 if position is None else bisect.bisect_right(values, position)
    return values[start:]


def _sparsity(documents: Sequence[Any], accepted: Sequence[Any]) -> int:
    """How many documents were read per accepted one (at least 1)."""
    return max(1, math.ceil(len(documents) / max(len(accepted), 0.5)))
