"""Keyset pages from windows: every page equals what one sorted query would return, whatever
the spread of the data (bursts, ties, gaps of years), in both directions, with several branches
(a multikey field matching two of them) and a filter no index serves."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from pymongo import ASCENDING, DESCENDING, IndexModel

from omni_kit import keyset, paging
from omni_kit.ids import new_id

NOW = datetime.now(UTC).replace(microsecond=0)


def when(rng: random.Random) -> datetime:
    kind = rng.random()
    if kind < 0.4:  # a burst: many rows in the same second, ties included
        return NOW - timedelta(minutes=3)
    if kind < 0.8:
        return NOW - timedelta(seconds=rng.randrange(0, 90 * 86400))
    return NOW - timedelta(days=rng.randrange(400, 3000))  # years back


@pytest.fixture
async def rows(mongo, db_name):
    rng = random.Random(7)
    collection = mongo[db_name]["rows"]
    documents = [
        {
            "_id": new_id("row"),
            "at": when(rng),
            "kind": rng.choice(["a", "b", "c"]),
            "tags": rng.sample(["x", "y", "z"], rng.randrange(1, 3)),
            "n": rng.randrange(10),
        }
        for _ in range(700)
    ]
    await collection.insert_many(documents)
    await collection.create_indexes(
        [
            IndexModel([("kind", ASCENDING), ("at", DESCENDING), ("_id", DESCENDING)]),
            IndexModel([("tags", ASCENDING), ("at", DESCENDING), ("_id", DESCENDING)]),
            IndexModel([("at", DESCENDING), ("_id", DESCENDING)]),
        ]
    )
    return collection, documents


def expected(documents, match, descending, start=None, end=None):
    chosen = [
        d
        for d in documents
        if match(d) and (start is None or d["at"] >= start) and (end is None or d["at"] < end)
    ]
    return sorted(chosen, key=lambda d: (d["at"], d["_id"]), reverse=descending)


async def walk_all(collection, branches, axis, size, **options):
    pages, after = [], None
    while True:
        found = await keyset.page(
            collection, branches, axis, limit=size + 1, after=after, **options
        )
        pages.append(found[:size])
        if len(found) <= size:
            return [row for page in pages for row in page]
        after = keyset.cursor(found[size - 1], axis)


@pytest.mark.parametrize("descending", [True, False])
async def test_windows_page_through_everything_in_order(rows, descending):
    collection, documents = rows
    axis = keyset.time_axis("at")
    cases = [
        ([{}], lambda d: True, None),
        ([{"kind": "b"}], lambda d: d["kind"] == "b", None),
        ([{"kind": "a"}, {"kind": "c"}], lambda d: d["kind"] in "ac", None),
        ([{"tags": "x"}, {"tags": "y"}], lambda d: {"x", "y"} & set(d["tags"]), None),
        ([{"kind": "a"}], lambda d: d["kind"] == "a" and d["n"] < 2, lambda d: d["n"] < 2),
    ]
    start = None if descending else NOW - timedelta(days=4000)
    for branches, match, keep in cases:
        got = await walk_all(
            collection, branches, axis, 25, descending=descending, keep=keep, start=start
        )
        want = expected(documents, match, descending)
        assert [d["_id"] for d in got] == [d["_id"] for d in want], branches


async def test_a_time_range_bounds_the_walk(rows):
    collection, documents = rows
    axis = keyset.time_axis("at")
    start, end = NOW - timedelta(days=60), NOW - timedelta(days=5)
    for descending in (True, False):
        got = await walk_all(
            collection, [{"kind": "c"}], axis, 10, descending=descending, start=start, end=end
        )
        want = expected(documents, lambda d: d["kind"] == "c", descending, start, end)
        assert [d["_id"] for d in got] == [d["_id"] for d in want]


async def test_small_branches_are_read_whole_and_paged_here(rows):
    collection, documents = rows
    axis = keyset.time_axis("at")
    for descending in (True, False):
        got = await walk_all(
            collection, [{"kind": "a"}, {"kind": "b"}], axis, 30, descending=descending, whole=True
        )
        want = expected(documents, lambda d: d["kind"] in "ab", descending)
        assert [d["_id"] for d in got] == [d["_id"] for d in want]


async def test_an_ascending_walk_of_time_needs_a_start(rows):
    collection, _ = rows
    with pytest.raises(ValueError, match="needs a start"):
        await keyset.page(collection, [{}], keyset.time_axis("at"), limit=5, descending=False)


async def test_ids_page_by_windows_over_their_random_space(mongo, db_name):
    collection = mongo[db_name]["ids"]
    ids = [new_id("cus") for _ in range(300)] + ["cus_anna", "other"]
    await collection.insert_many([{"_id": i, "k": i[-1]} for i in ids])
    axis = keyset.id_axis("cus")
    for descending in (False, True):
        got = await walk_all(collection, [{}], axis, 40, descending=descending)
        assert [d["_id"] for d in got] == sorted(ids, reverse=descending)


@pytest.mark.parametrize("descending", [True, False])
async def test_a_list_that_finds_nothing_can_be_asked_again_and_again(rows, descending):
    """An empty answer must not teach the next walk a density of zero (it once did: each empty
    walk measured its own ever wider last window, until the density underflowed and the next
    page divided by it)."""
    collection, _ = rows
    axis = keyset.time_axis("at")
    start = None if descending else datetime(2020, 1, 1, tzinfo=UTC)
    for _ in range(300):  # enough for the old widening to overflow a float
        found = await keyset.page(
            collection, [{"kind": "none"}], axis, limit=51, descending=descending, start=start
        )
        assert found == []
    found = await keyset.page(
        collection, [{"kind": "a"}], axis, limit=5, descending=descending, start=start
    )
    assert len(found) == 5


def skus(rng: random.Random) -> list[str]:
    """SKUs as shops name them: a dense numbered run under one prefix, a sparse scatter of
    other names, a few sharing one long prefix, and keys that differ only past a non-ASCII
    byte."""
    dense = [f"SKU-{n:05d}" for n in range(0, 900)]
    sparse = [
        "".join(rng.choice("ABCXYZ0189-") for _ in range(rng.randrange(1, 12))) for _ in range(80)
    ]
    long = [f"{'P' * 40}-{n}" for n in range(15)]
    odd = ["ŻÓŁTY-1", "ŻÓŁTY-2", "zolty", "~end", "SKU-00450"]
    return dense + sparse + long + odd


@pytest.fixture
async def stock(mongo, db_name):
    rng = random.Random(11)
    collection = mongo[db_name]["levels"]
    documents = []
    for sku in skus(rng):
        for location in rng.sample(["a", "b", "c"], rng.randrange(1, 4)):
            documents.append({"_id": new_id("lvl"), "sku": sku, "loc": location})
    await collection.insert_many(documents)
    await collection.create_indexes(
        [IndexModel([("loc", ASCENDING), ("sku", ASCENDING), ("_id", ASCENDING)])]
    )
    return collection, documents


def by_sku(documents, match):
    chosen = [d for d in documents if match(d)]
    return sorted(chosen, key=lambda d: (d["sku"].encode(), d["_id"]))


async def test_strings_page_in_byte_order_from_their_first_key(stock):
    """Ties (a SKU listed twice in a branch, "SKU-00450"), a dense run, sparse names, long
    shared prefixes, non-ASCII keys: every page equals the sorted query's."""
    collection, documents = stock
    axis = keyset.string_axis("sku")
    for location in ("a", "b", "c"):
        want = by_sku(documents, lambda d, loc=location: d["loc"] == loc)
        for size in (1, 7, 50):
            got = await walk_all(
                collection, [{"loc": location}], axis, size, descending=False, start=want[0]["sku"]
            )
            assert [d["_id"] for d in got] == [d["_id"] for d in want], (location, size)


async def test_a_string_walk_from_below_its_first_key_or_from_nothing(stock):
    collection, documents = stock
    axis = keyset.string_axis("sku")
    want = by_sku(documents, lambda d: d["loc"] == "a")
    for start in ("", want[0]["sku"][:1], want[0]["sku"][:2]):
        got = await walk_all(collection, [{"loc": "a"}], axis, 40, descending=False, start=start)
        assert [d["_id"] for d in got] == [d["_id"] for d in want], start
    assert (
        await keyset.page(collection, [{"loc": "none"}], axis, limit=5, descending=False, start="")
        == []
    )


async def test_string_windows_touch_about_a_page(stock, mongo, db_name):
    """A numbered run: each query names a range of about a page, except the one that first
    reaches the next hundred, which may hold that hundred (what the dev store pays; MongoDB
    stops at the limit anyway)."""
    collection, _ = stock
    axis = keyset.string_axis("sku")
    ranges: list[int] = []
    original = keyset._Walk._read

    async def counted(self, query, limit):
        ranges.append(await self.collection.count_documents(query))
        return await original(self, query, limit)

    keyset._Walk._read = counted
    try:
        after = None
        for _ in range(12):
            found = await keyset.page(
                collection,
                [{"loc": "a"}],
                axis,
                limit=21,
                descending=False,
                after=after,
                start="SKU-00000",
            )
            after = keyset.cursor(found[19], axis)
    finally:
        keyset._Walk._read = original
    assert max(ranges) <= 100, ranges
    assert sorted(ranges)[len(ranges) * 3 // 4] <= 2 * 21, ranges


async def test_string_page_tokens_carry_the_key_and_id(stock):
    collection, documents = stock
    axis = keyset.string_axis("sku")
    want = by_sku(documents, lambda d: d["loc"] == "b")
    first = await keyset.page(collection, [{"loc": "b"}], axis, limit=3, descending=False, start="")
    token = paging.encode_cursor(list(keyset.cursor(first[-1], axis)))
    after = paging.decode_cursor(token, 2, kinds=(str, str))
    assert after is not None
    rest = await keyset.page(
        collection, [{"loc": "b"}], axis, limit=3, descending=False, after=after, start=""
    )
    assert [d["_id"] for d in first + rest] == [d["_id"] for d in want[:6]]
