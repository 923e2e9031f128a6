"""The browse read model's collection: writing a product's documents, and reading one range of
the `keys` index a few keys at a time (see browse_model.py for what the keys are)."""

from __future__ import annotations

import math
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
]
# What a list never reads back: the keys (the document's fields give its sort value).
NO_KEYS = {"keys": 0}
# What finding a fence needs: the fields its sort value is made of.
SORT_FIELDS = {"product_id": 1, "name": 1, "price": 1, "currency": 1, "created": 1, "updated": 1}
Accept = Callable[[dict[str, Any]], bool]


@dataclass(frozen=True)
class Range:
    """One (shelf, term, sort) range of keys, optionally bounded: keys strictly between `low`
    and `high` (suffixes; None is open)."""

    shelf: str
    term: str
    sort: str
    low: str | None = None
    high: str | None = None

    def prefix(self, level: int = 0) -> str:
        return model.prefix(self.shelf, self.term, self.sort, level)


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
class Rows:
    """Documents accepted from a range, in sort order, with each one's sort value; `frontier`
    is how far the range has been read (None: to its end), the cursor to go on from."""

    rows: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    frontier: str | None = None


class BrowseStore:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self.docs = db[model.COLLECTION]

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

    # --- reads -------------------------------------------------------------------------------

    async def by_ids(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        if not ids:
            return {}
        cursor = self.docs.find({"_id": {"$in": list(ids)}}, NO_KEYS)
        return {doc["_id"]: doc async for doc in cursor}

    async def due(self, now: datetime, limit: int) -> list[dict[str, Any]]:
        """Channel documents whose price changes at or before `now` (a sale window opened or
        closed), oldest first."""
        cursor = self.docs.find({"flip_at": {"$gte": DAWN, "$lte": now}}, NO_KEYS).limit(limit)
        documents = [doc async for doc in cursor]
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
            accepted = [(model.sort_value(doc, span.sort), doc) for doc in documents]
            accepted = [row for row in accepted if accept(row[1])]
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
        """About how many keys `span` holds, from its fences (a few small reads)."""
        for level in range(model.LEVELS, 0, -1):
            fences = await self._window(
                span, level, None, None, False, SORT_FIELDS, budget, bounded=False
            )
            if len(fences) >= 2 or level == 1:
                return len(fences) * model.FANOUT**level
        return 0

    async def _reach(
        self, span: Range, position: str | None, descending: bool, need: int, budget: Budget
    ) -> str | None:
        """A sort value about `need` keys past `position` (None: the end of the range), found
        by walking the fences down from the top level, each level's read bounded by the one
        above: like a skip list."""
        far: str | None = None
        for level in range(model.LEVELS, 0, -1):
            fences = await self._window(span, level, position, far, descending, SORT_FIELDS, budget)
            values = sorted(
                (model.sort_value(doc, span.sort) for doc in fences), reverse=descending
            )
            step = math.ceil(need / model.FANOUT**level)
            if len(values) >= step:
                far = values[step - 1]
        return far if far is not None else None

    async def _window(
        self,
        span: Range,
        level: int,
        near: str | None,
        far: str | None,
        descending: bool,
        projection: dict[str, int],
        budget: Budget,
        *,
        bounded: bool = True,
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
        if bounded:
            condition = _within(span, start, condition)
        budget.used_queries += 1
        documents = [doc async for doc in self.docs.find({"keys": condition}, projection)]
        budget.read += len(documents)
        return documents

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


def _sparsity(documents: Sequence[Any], accepted: Sequence[Any]) -> int:
    """How many documents were read per accepted one (at least 1)."""
    return max(1, math.ceil(len(documents) / max(len(accepted), 0.5)))
