"""The catalog's vocabulary: every searchable word once, with how many products use it and its
deletion neighbourhood (the word with each letter left out), indexed, so the words within an
edit or two of a misspelling are one indexed look-up. It grows with new words, not products.

Counts only rank corrections, so they are kept in step after the product's transaction, in
batches (`VocabularyWriter`); a rebuild recounts them."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from pymongo import ASCENDING, IndexModel, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError

from omni_catalog.domain.search import neighbourhood
from omni_kit.logs import get_logger

COLLECTION = "vocabulary"
INDEXES = [IndexModel([("near", ASCENDING)], name="near")]
MAX_WORD = 40
MAX_CANDIDATES = 500
log = get_logger("omni.catalog.vocabulary")


class VocabularyStore:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self.words = db[COLLECTION]

    async def counts(self, words: Iterable[str]) -> dict[str, int]:
        wanted = list(dict.fromkeys(words))
        if not wanted:
            return {}
        cursor = self.words.find({"_id": {"$in": wanted}}, {"n": 1})
        return {doc["_id"]: doc["n"] async for doc in cursor if doc["n"] > 0}

    async def near(self, word: str) -> dict[str, int]:
        """Known words sharing a deletion neighbour with `word` (all within two edits)."""
        cursor = self.words.find({"near": {"$in": neighbourhood(word[:MAX_WORD])}}, {"n": 1}).limit(
            MAX_CANDIDATES
        )
        return {doc["_id"]: doc["n"] async for doc in cursor}

    async def apply(self, deltas: Mapping[str, int]) -> None:
        changes = [
            UpdateOne(
                {"_id": word},
                {"$inc": {"n": delta}, "$setOnInsert": {"near": neighbourhood(word)}},
                upsert=True,
            )
            for word, delta in sorted(deltas.items())
            if delta and len(word) <= MAX_WORD
        ]
        if changes:
            await self.words.bulk_write(changes, ordered=False)


class VocabularyWriter:
    """Collects word count changes from committed writes and applies them in batches, at most
    one per `every` seconds (a background task): an upsert per word is costly, and a bulk
    import repeats the same words thousands of times."""

    def __init__(self, store: VocabularyStore, every: float = 5.0) -> None:
        self.store = store
        self.every = every
        self._pending: Counter[str] = Counter()
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()

    def note(self, added: Iterable[str] = (), removed: Iterable[str] = ()) -> None:
        self._pending.update(added)
        self._pending.subtract(removed)
        if any(self._pending.values()):
            self._idle.clear()
            self._wake.set()

    async def run(self) -> None:
        while True:
            await self._wake.wait()
            await asyncio.sleep(self.every)
            self._wake.clear()
            await self.flush()

    async def flush(self) -> None:
        batch, self._pending = self._pending, Counter()
        try:
            await self.store.apply(batch)
        except PyMongoError as error:
            # Counts only rank corrections; a lost batch is recounted by the next rebuild.
            log.warning("vocabulary_batch_lost", words=len(batch), error=str(error))
        if not any(self._pending.values()):
            self._idle.set()

    async def settled(self) -> None:
        """Wait until every noted change is applied (tests and the rebuild use it)."""
        await self._idle.wait()
