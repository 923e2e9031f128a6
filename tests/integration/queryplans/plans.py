"""Record every read a store method sends, explain each against the real store, and judge it.

The services' own store code runs (lists, pages after the first, reports, look-ups) on a client
whose command listener records each `find`/`aggregate`/`count`/`distinct`, labelled with the
shape being exercised and the page size the caller asked for. Each recorded command is then
explained with `executionStats` and refused when it

- scans a collection (COLLSCAN), unless the collection is small by nature (listed below);
- sorts in memory more than two pages of documents;
- examines far more documents than it returns (more than two pages, and more than four times
  what it returned), or returns more than two pages.

SecantusDB (the dev and test store) reports `totalDocsExamined` equal to `nReturned` for every
index scan and ignores the limit in `nReturned`, so there the documents an index scan examines
are counted as the documents in its index range: the filter's fields that the index keys (what
the store fetches before it filters, sorts and limits). That is the cost it actually pays.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pymongo import AsyncMongoClient, monitoring

READS = ("find", "aggregate", "count", "distinct")
DRIVER_FIELDS = {
    "lsid",
    "$db",
    "$clusterTime",
    "txnNumber",
    "autocommit",
    "startTransaction",
    "readConcern",
    "$readPreference",
    "maxTimeMS",
    "batchSize",
    "singleBatch",
}
# Collections whose size a business does not grow: a scan of them is a scan of a few rows.
SMALL_BY_NATURE = {
    "locations": "one per store and warehouse",
    "policies": "one per channel and partner",
    "templates": "one per event type, channel and language",
}


def seeded_ids(seed: int) -> Callable[[str], str]:
    """Ids shaped like `omni_kit.ids.new_id`'s, from a seeded generator: the keyset windows are
    sized from the density of ids seen, so a plan judged on random ids differs run to run."""
    rng = random.Random(seed)
    return lambda prefix: f"{prefix}_{rng.getrandbits(128):032x}"


@dataclass
class Issued:
    label: str
    page: int
    database: str
    command: dict[str, Any]

    @property
    def collection(self) -> str:
        return str(next(iter(self.command.values())))


@dataclass
class Recorder(monitoring.CommandListener):
    issued: list[Issued] = field(default_factory=list)
    _label: str | None = None
    _page: int = 50

    @contextlib.contextmanager
    def shape(self, label: str, page: int = 50) -> Iterator[None]:
        """Record the reads issued inside, as `label`, for a caller who asked for `page` rows."""
        self._label, self._page = label, page
        try:
            yield
        finally:
            self._label = None

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if self._label is None or event.command_name not in READS:
            return
        command = {k: v for k, v in event.command.items() if k not in DRIVER_FIELDS}
        self.issued.append(Issued(self._label, self._page, event.database_name, command))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass

    def labels(self) -> set[str]:
        return {issued.label for issued in self.issued}


def _stages(plan: dict[str, Any]) -> list[dict[str, Any]]:
    found = [plan]
    for key in ("inputStage", "queryPlan"):
        if isinstance(plan.get(key), dict):
            found += _stages(plan[key])
    for child in plan.get("inputStages", []):
        found += _stages(child)
    return found


def _planner(explained: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    if "queryPlanner" in explained:
        return explained["queryPlanner"], explained.get("executionStats", {})
    cursor = explained["stages"][0]["$cursor"]
    return cursor["queryPlanner"], cursor.get("executionStats", {})


async def judge(client: AsyncMongoClient, issued: Issued) -> list[str]:
    """What is wrong with the plan of one recorded read (nothing: an empty list)."""
    db = client[issued.database]
    command = dict(issued.command)
    kind = next(iter(command))
    if kind == "aggregate":
        command["cursor"] = {}
    explained = await db.command({"explain": command, "verbosity": "executionStats"})
    planner, stats = _planner(explained)
    stages = _stages(planner["winningPlan"])
    names = [stage.get("stage") for stage in stages]
    returned_all = int(stats.get("nReturned", 0))
    limit = int(command.get("limit") or 0)
    returned = min(returned_all, limit) if limit else returned_all
    examined = int(stats.get("totalDocsExamined", 0))
    scan = next((stage for stage in stages if stage.get("stage") == "IXSCAN"), None)
    secantus = explained.get("serverInfo", {}).get("host") == "secantus"
    if secantus and scan is not None and kind == "find":
        keyed = {k: v for k, v in (command.get("filter") or {}).items() if k in scan["keyPattern"]}
        examined = len(await db[issued.collection].find(keyed, {"_id": 1}).to_list(None))
    where = f"{issued.label}: {kind} {issued.collection} {command.get('filter', command)}"
    problems = []
    if "COLLSCAN" in names and issued.collection not in SMALL_BY_NATURE:
        problems.append(f"{where}: collection scan (examined {examined})")
    page = issued.page
    if "SORT" in names and returned_all > 2 * page:
        problems.append(f"{where}: sorts {returned_all} documents in memory for a page of {page}")
    if examined > max(2 * page, 4 * max(returned, 1)):
        problems.append(f"{where}: examines {examined} documents to return {returned}")
    elif returned > 2 * page:
        problems.append(f"{where}: returns {returned} documents for a page of {page}")
    return problems


async def judge_all(client: AsyncMongoClient, recorder: Recorder) -> list[str]:
    problems: list[str] = []
    for issued in recorder.issued:
        problems += await judge(client, issued)
    return problems
