# ruff: noqa: RUF001 - Cyrillic names are part of the data
"""Every read the customer service's store sends is an index range of about a page: one
customer's timeline and 360 view however long the history (with each filter, later and deep
pages), staff search by name (two letters of type-ahead included), merges, look-ups; the export
of one person reads that person's records and no one else's."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from plans import judge_all, seeded_ids

from omni.common.v1 import common_pb2
from omni.customer.v1 import customer_pb2 as pb
from omni_customer.domain.merge import MergeStatus
from omni_customer.domain.timeline import EntryType
from omni_customer.domain.values import SalesChannel
from omni_customer.store import INDEXES, CustomerStore
from omni_customer.store.profiles import with_search
from omni_customer.store.records import merge_cursor
from omni_customer.store.timeline import cursor_of
from omni_kit.protos import to_document, to_timestamp
from omni_kit.store import ensure_indexes

new_id = seeded_ids(26)

NOW = datetime.now(UTC).replace(microsecond=0)
PROFILES = 2000
GIVEN = ["Anna", "Andrzej", "Zofia", "Żaneta", "Piotr", "John", "Mary", "Олена", "Тарас", "Андрій"]
FAMILY = ["Kowalska", "Nowak", "Wiśniewski", "Smith", "Brown", "Шевченко", "Коваленко", "Łukasik"]
TYPES = [name for name in pb.TimelineEntryType.keys() if not name.endswith("UNSPECIFIED")]  # noqa: SIM118
CHANNELS = ["SALES_CHANNEL_WEB", "SALES_CHANNEL_POS", "SALES_CHANNEL_PHONE", None]
HEAVY_ENTRIES = 1200


def an_entry(rng: random.Random, profile_id: str, days: int) -> dict:
    channel = rng.choice(CHANNELS)
    entry = pb.TimelineEntry(
        id=new_id("tl"),
        profile_id=profile_id,
        type=pb.TimelineEntryType.Value(rng.choice(TYPES)),
        occurred_at=to_timestamp(NOW - timedelta(seconds=rng.randrange(days * 86400))),
        summary="something happened",
    )
    if channel:
        entry.channel.channel = common_pb2.SalesChannel.Value(channel)
    return {**to_document(entry), "merges": []}


@pytest.fixture
async def people(recorded, db_name):
    client, recorder = recorded
    db = client[db_name]
    await ensure_indexes(db, INDEXES)
    rng = random.Random(26)
    profiles, identities, entries = [], [], []
    for index in range(PROFILES):
        given, family = rng.choice(GIVEN), rng.choice(FAMILY)
        status = pb.PROFILE_STATUS_MERGED if index % 20 == 0 else pb.PROFILE_STATUS_ACTIVE
        email = f"{given.lower()}.{index}@example.com"
        profile = pb.Profile(
            id=new_id("cus"),
            version=1,
            status=status,
            display_name=f"{given} {family}",
            given_name=given,
            family_name=family,
            identities=[pb.Identity(kind=pb.IDENTITY_KIND_EMAIL, value=email)],
            created_at=to_timestamp(NOW - timedelta(days=rng.randrange(700))),
        )
        profiles.append(with_search(to_document(profile)))
        identities.append({"_id": f"email:{email}", "profile_id": profile.id})
        entries += [an_entry(rng, profile.id, 700) for _ in range(2)]
    heavy = profiles[1]["_id"]
    entries += [an_entry(rng, heavy, 730) for _ in range(HEAVY_ENTRIES)]
    merges = [
        {
            **to_document(
                pb.ProfileMerge(
                    id=new_id("mrg"),
                    survivor_id=profiles[i + 1]["_id"],
                    merged_id=profiles[i]["_id"],
                    status=pb.MERGE_STATUS_UNDONE if i % 60 == 0 else pb.MERGE_STATUS_ACTIVE,
                    merged_at=to_timestamp(NOW - timedelta(hours=rng.randrange(9000))),
                )
            ),
            "moved_points": 0,
        }
        for i in range(0, PROFILES, 20)
    ]
    ledger = [
        {"_id": f"order:{new_id('ord')}", "profile_id": heavy, "points": 5, "at": NOW}
        for _ in range(40)
    ]
    await db["profiles"].insert_many(profiles)
    await db["identities"].insert_many(identities)
    await db["timeline"].insert_many(entries)
    await db["merges"].insert_many(merges)
    await db["loyalty_ledger"].insert_many(ledger)
    return client, recorder, CustomerStore(db), profiles, heavy


async def timeline_pages(store, profile_id: str, pages: int, **filters) -> int:
    seen, after = 0, None
    options = {"channels": [], "types": [], "start": None, "end": None} | filters
    for _ in range(pages):
        found = await store.timeline.page(profile_id, after=after, limit=51, **options)
        seen += len(found[:50])
        if len(found) <= 50:
            break
        after = cursor_of(found[49])
    return seen


async def search_pages(store, query: str, pages: int = 3, include_merged: bool = False) -> list:
    found_all, after = [], None
    for _ in range(pages):
        found = await store.profiles.search(query, include_merged, after, 51)
        found_all += found[:50]
        if len(found) <= 50:
            break
        after = found[49].id
    return found_all


async def test_every_customer_read_is_an_index_range_of_about_a_page(people):
    client, recorder, store, profiles, heavy = people
    light = profiles[2]["_id"]
    web, pos = SalesChannel.WEB, SalesChannel.POS
    own_view = [t for t in EntryType if t not in (EntryType.CALL_NOTE, EntryType.NOTE)]
    month = {"start": NOW - timedelta(days=30), "end": NOW}
    timelines = {
        "a long timeline, pages 1-10": (heavy, 10, {}),
        "a long timeline by channel": (heavy, 3, {"channels": [web]}),
        "a long timeline by two channels": (heavy, 3, {"channels": [web, pos]}),
        "a long timeline, no channel": (
            heavy,
            3,
            {"channels": [None]},
        ),
        "a long timeline by type": (heavy, 3, {"types": [EntryType.ORDER]}),
        "a long timeline by channel and type": (
            heavy,
            3,
            {"channels": [web], "types": [EntryType.ORDER]},
        ),
        "a long timeline as its customer sees it": (heavy, 3, {"types": own_view}),
        "a long timeline, last month": (heavy, 3, month),
        "a short timeline (the 360 view)": (light, 1, {}),
    }
    for label, (profile_id, pages, filters) in timelines.items():
        with recorder.shape(label):
            assert await timeline_pages(store, profile_id, pages, **filters)

    searches = {
        "kowalska": ("kowalska", False),
        "type-ahead of two letters": ("an", False),
        "two words": ("anna kow", False),
        "diacritics folded": ("zaneta", False),
        "cyrillic": ("шевч", False),
        "cyrillic by latin letters": ("shevchenko", False),
        "nothing found": ("zzzz", False),
        "everyone": ("", False),
        "everyone, merged included": ("", True),
        "a name, merged included": ("nowak", True),
    }
    for label, (query, merged) in searches.items():
        with recorder.shape(label):
            found = await search_pages(store, query, include_merged=merged)
        if query and query != "zzzz":
            assert found, label

    with recorder.shape("merges of a profile"):
        await store.merges.page(profiles[20]["_id"], [], None, 51)
    for label, statuses in {
        "every merge": [],
        "merges by status": [MergeStatus.ACTIVE],
        "undone merges": [MergeStatus.UNDONE],
    }.items():
        with recorder.shape(label):
            first = await store.merges.page("", statuses, None, 51)
            if len(first) > 50:
                await store.merges.page("", statuses, merge_cursor(first[49]), 51)

    with recorder.shape("look-ups", page=1):
        await store.profiles.get(heavy)
        await store.profiles.surviving(heavy)
        await store.profiles.owner_of("email:anna.0@example.com")
        await store.profiles.merged_into(heavy)
        await store.timeline.exists("tl_x")
        await store.ledger.get("order:x")
        await store.merges.get("mrg_x")
    with recorder.shape("export of one person", page=HEAVY_ENTRIES + 100):
        assert len(await store.timeline.all_for([heavy])) >= HEAVY_ENTRIES
        await store.ledger.of([heavy])
        await store.consents.of([heavy])
        await store.merges.involving([heavy])

    assert recorder.labels() >= set(timelines) | set(searches)
    problems = await judge_all(client, recorder)
    assert not problems, "\n".join(problems)
