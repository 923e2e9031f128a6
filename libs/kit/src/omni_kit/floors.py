"""Lower bounds of the keys of a list's branches: where an oldest-first keyset walk starts.

A store cannot say cheaply where a branch's keys begin: `find(branch).sort(key).limit(1)` is
one index entry on MongoDB, but SecantusDB fetches the whole branch before it limits, and a
walk that widens its windows from the axis's own floor (the epoch, the empty string) reaches
the data with a window as wide as the gap before it (see `omni_kit.keyset`). So the writes that
add rows keep a floor per branch: one small document per branch key holding a value at or below
every key the branch has held. A floor only ever goes down (`$min`), so

- a write whose key is not below the floor this process last wrote or saw skips the store
  altogether (keys that grow with time, such as a creation time or a sequence, write a branch's
  floor once);
- a floor is written outside the caller's transaction, before its row: a transaction that then
  fails leaves a floor a little low (a few empty windows), never above a row;
- a row that leaves a branch (a delivery no longer expected) leaves its floor where it was: a
  walk starts a little early and crosses the gap in widening windows.

Reading the floors of a page's branches is one `_id` look-up. `rebuild` computes them from the
data in one pass (for rows written before the floors were kept, or imported around the
writes)."""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from typing import Any

from pymongo import UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, DuplicateKeyError

Document = dict[str, Any]
DUPLICATE_KEY = 11000


def key(collection: str, field: str, branch: Document) -> str:
    """The floor's id: collection, key field and the branch's values, which may hold any
    character (`stock.sku|{"location_id":"loc_a"}`)."""
    values = json.dumps(branch, sort_keys=True, separators=(",", ":"), default=str)
    return f"{collection}.{field}|{values}"


class Floors:
    """The floors of one service's lists, in `collection`, with what this process knows of them."""

    def __init__(self, collection: AsyncCollection[Document], remembered: int = 100_000) -> None:
        self.collection = collection
        self._known: OrderedDict[str, Any] = OrderedDict()
        self._remembered = remembered

    async def lower(self, keys: Iterable[str], value: Any) -> None:
        """Make sure each floor is at or below `value`."""
        await self.lower_many((name, value) for name in keys)

    async def lower_many(self, wanted: Iterable[tuple[str, Any]]) -> None:
        """Make sure each floor is at or below its value: those this process does not know to
        be low enough already, in one write (a receipt of many new SKUs lowers many floors)."""
        lowest: dict[str, Any] = {}
        for name, value in wanted:
            if name not in lowest or value < lowest[name]:
                lowest[name] = value
        due = {}
        for name, value in lowest.items():
            known = self._known.get(name)
            if known is not None and known <= value:
                self._known.move_to_end(name)
            else:
                due[name] = value
        if len(due) == 1:
            [(name, value)] = due.items()
            await self._min(name, value)
        elif due:
            await self._min_many(due)
        for name, value in due.items():
            self._remember(name, value)

    async def lowest(self, keys: Sequence[str]) -> dict[str, Any]:
        """The floors kept for these keys (a key without one has had no rows)."""
        found = self.collection.find({"_id": {"$in": list(keys)}}, {"low": 1})
        return {document["_id"]: document["low"] async for document in found}

    async def _min(self, name: str, value: Any) -> None:
        for attempt in range(2):
            try:
                await self.collection.update_one(
                    {"_id": name}, {"$min": {"low": value}}, upsert=True
                )
                return
            except DuplicateKeyError:
                # Two writers created the same floor at once: the other insert won; lower it.
                if attempt:
                    raise

    async def _min_many(self, values: dict[str, Any]) -> None:
        writes = [
            UpdateOne({"_id": name}, {"$min": {"low": value}}, upsert=True)
            for name, value in values.items()
        ]
        try:
            await self.collection.bulk_write(writes, ordered=False)
        except BulkWriteError as error:
            # Two writers created the same floors at once: the other inserts won; lower those.
            failed = error.details["writeErrors"]
            if any(e["code"] != DUPLICATE_KEY for e in failed):
                raise
            await self.collection.bulk_write([writes[e["index"]] for e in failed], ordered=False)

    def _remember(self, name: str, value: Any) -> None:
        self._known[name] = value
        self._known.move_to_end(name)
        while len(self._known) > self._remembered:
            self._known.popitem(last=False)


async def rebuild(
    floors: Floors,
    source: AsyncCollection[Document],
    keys: Sequence[tuple[str, Sequence[Sequence[str]]]],
) -> int:
    """Lower every floor of `source`'s branches to the lowest key in the data: for each (key
    field, shapes) of `keys`, one floor per combination of a shape's fields. One pass over the
    collection, then the floors in bulk. Returns the floors written."""
    fields = {name for field, shapes in keys for shape in shapes for name in shape}
    fields |= {field for field, _ in keys}
    lowest: dict[str, Any] = {}
    async for row in source.find({}, dict.fromkeys(fields, 1)):
        for field, shapes in keys:
            value = row.get(field)
            if value is None:
                continue
            for shape in shapes:
                name = key(source.name, field, {part: row.get(part) for part in shape})
                if name not in lowest or value < lowest[name]:
                    lowest[name] = value
    names = list(lowest)
    for start in range(0, len(names), 1000):
        chunk = names[start : start + 1000]
        await floors.collection.bulk_write(
            [
                UpdateOne({"_id": name}, {"$min": {"low": lowest[name]}}, upsert=True)
                for name in chunk
            ],
            ordered=False,
        )
    return len(names)
