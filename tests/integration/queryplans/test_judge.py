"""The judge itself: it refuses the shapes issue 26 found (a one-item $and, $nin, an unbounded
sort) and passes an index window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from plans import judge_all
from pymongo import ASCENDING, DESCENDING, IndexModel


async def test_the_judge_refuses_scans_and_big_sorts_and_passes_windows(recorded, db_name):
    client, recorder = recorded
    rows = client[db_name]["rows"]
    now = datetime.now(UTC)
    await rows.insert_many(
        [
            {"p": f"p{i % 3}", "s": "ok" if i % 5 else "no", "at": now - timedelta(minutes=i)}
            for i in range(600)
        ]
    )
    await rows.create_indexes(
        [IndexModel([("p", ASCENDING), ("at", DESCENDING), ("_id", DESCENDING)])]
    )
    newest = [("at", DESCENDING), ("_id", DESCENDING)]
    with recorder.shape("one-item $and"):
        await rows.find({"$and": [{"p": "p1"}]}).sort(newest).limit(50).to_list(None)
    with recorder.shape("$nin"):
        await rows.find({"s": {"$nin": ["no"]}}).limit(50).to_list(None)
    with recorder.shape("whole prefix sorted"):
        await rows.find({"p": "p1"}).sort(newest).limit(50).to_list(None)
    with recorder.shape("window"):
        window = {"$gte": now - timedelta(minutes=150), "$lt": now}
        await rows.find({"p": "p1", "at": window}).sort(newest).limit(50).to_list(None)
    problems = await judge_all(client, recorder)
    flagged = {problem.split(":")[0] for problem in problems}
    assert flagged == {"one-item $and", "$nin", "whole prefix sorted"}, problems
    assert any("one-item $and" in p and "collection scan" in p for p in problems)
    assert any("$nin" in p and "collection scan" in p for p in problems)
    assert any("sorts 200 documents in memory for a page of 50" in p for p in problems)
