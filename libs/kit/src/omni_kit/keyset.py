"""Keyset pages read from bounded index ranges, one window at a time.

A page of "the newest 50 orders of channel X" is `find({channel: X}).sort(placed_at).limit(50)`;
MongoDB walks the `(channel, placed_at)` index and stops after 50 entries. Not every store that
speaks the protocol stops early: the dev store (SecantusDB) fetches every entry in the index
range, sorts them, and only then applies the limit, so that query costs all of channel X's
orders. So every query here names a bounded range of the sort key, a window: the newest first
walk asks for `placed_at` in `[now - w, now)`, then in the window before it, widening it while
rows are sparse and narrowing it to the density seen, until the page is full. Each query is an
index range with equality on the branch's fields and one range on the sort key (the shape both
stores plan as an index scan), and each touches about a page of documents, whatever the size of
the collection.

A filter that needs several values of one field (`status in [a, b]`) is one branch per value,
merged here the way MongoDB merges sorted index scans. `keep` applies what no index can serve
(checked on the fetched rows), at the cost of reading the rows it rejects.

Ties on the sort key are broken by `_id`; a page token is the (value, _id) of a page's last row.

An oldest-first walk needs to know where its branch begins, and no query says that cheaply on
both stores: `find(branch).sort(key).limit(1)` is one index entry on MongoDB but the whole branch
on SecantusDB, and windows growing from the axis's floor (the epoch, the empty string) reach the
data with a window as wide as the gap before it, which holds as much of the data. So the caller
gives `start`, a lower bound of the branch's keys it keeps itself (`omni_kit.floors`: lowered
by the writes that add rows, read with one point look-up). A bound below the first row costs a
few empty windows, each cheaper the closer the bound is.

Axes map their key to numbers so windows can be sized: times to milliseconds, sequences and ids
to themselves, strings (SKUs, codes) to the integer their first bytes spell as digits of the
printable characters, kept exact (Python integers): two SKUs that differ in their ninth
character are 97**23 apart in that space, further than a float can resolve next to it.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.collection import AsyncCollection

Document = dict[str, Any]

GROWTH = 8  # a window with nothing in it is followed by one this many times wider
SLACK = 1.25  # a window sized from the density seen asks for this much more than it needs


@dataclass(frozen=True)
class Axis:
    """The sort key of a keyset walk, as numbers so windows can be sized."""

    field: str
    number: Callable[[Any], float]
    value: Callable[[float], Any]
    # Where a descending walk without a cursor starts (now, for times).
    origin: Callable[[], float]
    # The lowest and highest numbers the key takes; past them the last window is open-ended.
    floor: float
    ceiling: float | None
    # The first window's width when no density is known yet.
    width: float
    # The key alone orders the rows (it is `_id`): no ties to break.
    unique: bool = False
    # The first window's width when no density is known, from where the walk starts (strings:
    # a step of its last character); None: `width`.
    first: Callable[[Any], float] | None = None
    # Keys cluster with wide gaps between (SKUs under a few prefixes, numbered): windows are
    # sized by the densest stretch seen, and grow fast across an empty one.
    clustered: bool = False


def time_axis(
    key: str, width: timedelta = timedelta(minutes=1), horizon: timedelta = timedelta(0)
) -> Axis:
    """A datetime key; windows in milliseconds since the epoch. `horizon`: how far past now the
    key may lie (an expected arrival): an oldest-first walk sizes its windows up to now plus
    the horizon, and only past that reads the rest in one open-ended window."""
    ahead = horizon.total_seconds() * 1000
    return Axis(
        field=key,
        number=lambda value: value.timestamp() * 1000,
        value=lambda number: datetime.fromtimestamp(round(number) / 1000, UTC),
        origin=lambda: time.time() * 1000 + ahead,
        floor=0.0,
        ceiling=None,
        width=width.total_seconds() * 1000,
    )


def int_axis(key: str, width: int, origin: Callable[[], float]) -> Axis:
    """An integer key that grows with time (a sequence number)."""
    return Axis(
        field=key,
        number=float,
        value=lambda number: int(number),
        origin=origin,
        floor=0.0,
        ceiling=None,
        width=float(width),
    )


HEX_DIGITS = 32
HEX_SPACE = float(16**HEX_DIGITS)


def id_axis(prefix: str) -> Axis:
    """`_id`s made by `omni_kit.ids.new_id(prefix)` (a random 128-bit hex number): they spread
    evenly over their space, so an id range holds its share of the rows. An id of another shape
    still sorts into exactly one window; it only spoils the estimate."""

    def number(value: Any) -> float:
        text = str(value)
        digits = text[len(prefix) + 1 :] if text.startswith(f"{prefix}_") else ""
        try:
            return float(int(digits[:HEX_DIGITS].ljust(HEX_DIGITS, "0"), 16))
        except ValueError:
            return 0.0 if text < f"{prefix}_" else HEX_SPACE

    return Axis(
        field="_id",
        number=number,
        value=lambda n: f"{prefix}_{min(int(n), 16**HEX_DIGITS - 1):0{HEX_DIGITS}x}",
        origin=lambda: HEX_SPACE,
        floor=0.0,
        ceiling=HEX_SPACE,
        width=HEX_SPACE / 64,
        unique=True,
    )


STRING_DIGITS = 32
# A string's characters as digits: below the space, each printable ASCII character, and
# anything above "~" (DEL and every non-ASCII byte), so the space between two SKUs counts the
# characters SKUs are made of, not the 256 values a byte could take.
STRING_BASE = 97
STRING_SPACE = STRING_BASE**STRING_DIGITS


def _digit(byte: int) -> int:
    return 0 if byte < 0x20 else min(byte - 0x1F, STRING_BASE - 1)


def string_axis(key: str) -> Axis:
    """A string key (a SKU, a code), in byte order as both stores compare strings. A string is
    a number in base 97 over its first STRING_DIGITS bytes of UTF-8 (printable ASCII one digit
    each, everything above "~" the top digit); a window's edge is turned back into a string
    that keeps the order of edges (an edge is only a boundary: any string will do, as long as
    edges keep their order), so keys that differ only past a non-ASCII byte share a window."""

    def number(value: Any) -> int:
        raw = str(value).encode()[:STRING_DIGITS]
        total = 0
        for byte in raw.ljust(STRING_DIGITS, b"\0"):
            total = total * STRING_BASE + _digit(byte)
        return total

    def value(number: float) -> str:
        left = int(min(max(number, 0), STRING_SPACE - 1))
        digits = []
        for _ in range(STRING_DIGITS):
            left, digit = divmod(left, STRING_BASE)
            digits.append(digit)
        while digits and digits[0] == 0:
            digits.pop(0)
        # Most significant first; 0 is a control character below the space (never NUL).
        return "".join(chr(0x01 if d == 0 else d + 0x1F) for d in reversed(digits))

    def first(start: Any) -> float:
        used = min(len(str(start).encode()), STRING_DIGITS)
        return float(16 * STRING_BASE ** (STRING_DIGITS - used)) if used else float(STRING_SPACE)

    return Axis(
        field=key,
        number=number,
        value=value,
        origin=lambda: STRING_SPACE,
        floor=0,
        ceiling=STRING_SPACE,
        width=1.0,
        first=first,
        clustered=True,
    )


def _moved(position: float, distance: float) -> float:
    """`position` plus `distance`, exact for an axis of integers (strings): a float next to a
    number of 2**256 cannot tell two SKUs apart."""
    if isinstance(position, int):
        return position + int(distance)
    return position + distance


@dataclass
class _Bound:
    value: Any
    inclusive: bool


@dataclass
class _Walk:
    collection: AsyncCollection[Document]
    branches: Sequence[Document]
    axis: Axis
    descending: bool
    keep: Callable[[Document], bool] | None
    projection: Document | None
    found: dict[Any, Document] = field(default_factory=dict)

    def sort(self) -> list[tuple[str, int]]:
        direction = DESCENDING if self.descending else ASCENDING
        if self.axis.unique:
            return [(self.axis.field, direction)]
        return [(self.axis.field, direction), ("_id", direction)]

    def order_key(self, document: Document) -> tuple[Any, Any]:
        return (document.get(self.axis.field), document["_id"])

    async def ties(self, at: Any, last_id: Any, need: int) -> None:
        """Rows with the cursor's sort value that come after its id, in every branch."""
        await asyncio.gather(*(self._tied(branch, at, last_id, need) for branch in self.branches))

    async def window(self, low: _Bound | None, high: _Bound | None, need: int) -> int:
        """Add up to `need` kept rows per branch from one window; returns the rows read."""
        counts = await asyncio.gather(
            *(self._branch_window(branch, low, high, need) for branch in self.branches)
        )
        return sum(counts)

    async def _branch_window(
        self, branch: Document, low: _Bound | None, high: _Bound | None, need: int
    ) -> int:
        read = kept = 0
        while True:
            want = need - kept
            query = {**branch}
            if bounds := _bounds(low, high):
                query[self.axis.field] = bounds
            rows = await self._read(query, want)
            read += len(rows)
            kept += self._add(rows)
            if len(rows) < want or kept >= need:
                return read
            # The window holds more than was asked for and `keep` refused some of it: go on
            # from the last row read, inside the same window.
            last = rows[-1]
            value = last.get(self.axis.field)
            if not self.axis.unique:
                tied_read, tied_kept = await self._tied(branch, value, last["_id"], need - kept)
                read += tied_read
                kept += tied_kept
                if kept >= need:
                    return read
            if self.descending:
                high = _Bound(value, False)
            else:
                low = _Bound(value, False)

    async def _tied(self, branch: Document, value: Any, last_id: Any, need: int) -> tuple[int, int]:
        read = kept = 0
        while kept < need:
            want = need - kept
            after = {"$lt": last_id} if self.descending else {"$gt": last_id}
            rows = await self._read({**branch, self.axis.field: value, "_id": after}, want)
            read += len(rows)
            kept += self._add(rows)
            if len(rows) < want:
                break
            last_id = rows[-1]["_id"]
        return read, kept

    def _add(self, rows: list[Document]) -> int:
        added = 0
        for row in rows:
            if (self.keep is None or self.keep(row)) and row["_id"] not in self.found:
                self.found[row["_id"]] = row
                added += 1
        return added

    async def _read(self, query: Document, limit: int) -> list[Document]:
        if limit <= 0:
            return []
        cursor = self.collection.find(query, self.projection).sort(self.sort()).limit(limit)
        return await cursor.to_list(limit)


def _bounds(low: _Bound | None, high: _Bound | None) -> Document:
    ops: Document = {}
    if low is not None:
        ops["$gte" if low.inclusive else "$gt"] = low.value
    if high is not None:
        ops["$lte" if high.inclusive else "$lt"] = high.value
    return ops


class _Densities:
    """Rows per unit of the sort key seen by recent walks of the same branches (per process),
    so the next page starts with a window of about the right width."""

    def __init__(self, size: int = 4096) -> None:
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._size = size

    def get(self, key: str) -> float | None:
        rate = self._seen.get(key)
        if rate is not None:
            self._seen.move_to_end(key)
        return rate

    def put(self, key: str, rate: float) -> None:
        self._seen[key] = rate
        self._seen.move_to_end(key)
        while len(self._seen) > self._size:
            self._seen.popitem(last=False)


_densities = _Densities()


async def page(
    collection: AsyncCollection[Document],
    branches: Sequence[Document],
    axis: Axis,
    *,
    limit: int,
    descending: bool = True,
    after: tuple[Any, Any] | None = None,
    start: Any = None,
    end: Any = None,
    keep: Callable[[Document], bool] | None = None,
    projection: Document | None = None,
    whole: bool = False,
) -> list[Document]:
    """Up to `limit` documents matching any of `branches`, ordered by the axis (then `_id`),
    after the (value, _id) cursor `after`, with the key in [start, end) when given.

    `whole`: the branches are small by nature (an order number, a partner's order id): each is
    read at once through its own index and ordered here. An ascending walk of an axis without
    a ceiling needs `start` (where the data begins is not known: the windows from the epoch
    would grow wide before they reached it)."""
    if limit <= 0:
        return []
    walk = _Walk(collection, branches or [{}], axis, descending, keep, projection)
    if whole:
        return await _whole(walk, limit, after, start, end)
    if not descending and start is None and axis.ceiling is None:
        raise ValueError(f"an ascending walk of {axis.field} needs a start")
    floor = axis.floor if start is None else axis.number(start)
    top = axis.ceiling if end is None else axis.number(end)
    lowest = None if start is None else _Bound(start, True)
    highest = None if end is None else _Bound(end, False)

    low: _Bound | None
    high: _Bound | None
    if after is not None:
        if not axis.unique:
            await walk.ties(after[0], after[1], limit)
        position = axis.number(after[0])
        low, high = (
            (lowest, _Bound(after[0], False))
            if descending
            else (
                _Bound(after[0], False),
                highest,
            )
        )
    elif descending:
        low, high = lowest, highest
        position = top if top is not None else axis.origin()
    else:
        low, high = lowest, highest
        position = floor
    origin = position

    key = f"{collection.full_name}|{axis.field}|{descending}|{sorted(map(repr, branches))}"
    # A clustered axis's density is the cluster's where the last page ended: a first page,
    # starting elsewhere, sizes its first window from its start instead.
    rate = None if axis.clustered and after is None else _densities.get(key)
    if rate:
        width = max(axis.width / 64, limit / rate * SLACK)
    elif axis.first is not None:
        here = after[0] if after is not None else start if not descending else None
        width = axis.first(axis.value(position) if here is None else here)
    else:
        width = axis.width
    covered = 0.0
    read = 0
    # The densest window read so far (rows per unit): keys clustered unevenly (SKUs numbered
    # under a few prefixes) are sized by it rather than by an average over the gaps between.
    densest = 0.0
    while len(walk.found) < limit:
        need = limit - len(walk.found)
        if descending:
            edge = _moved(position, -width)
            last = edge <= floor
            # What this window covers of the axis (the last one stops at the floor), so an
            # empty walk measures the axis, not its ever wider last window.
            span = max(0.0, min(width, position - floor)) if last else width
            low = lowest if last else _Bound(_no_further(axis.value(edge), high, True), True)
            here = await walk.window(low, high, need)
            high = None if low is None else _Bound(low.value, False)
        else:
            edge = _moved(position, width)
            ceiling = top if top is not None else axis.origin()
            last = edge >= ceiling
            span = max(0.0, min(width, ceiling - position)) if last else width
            # Past the ceiling (now, for times): nothing should be there, so the last window
            # is open-ended and catches whatever is.
            high = highest if last else _Bound(_no_further(axis.value(edge), low, False), True)
            here = await walk.window(low, high, need)
            low = None if high is None else _Bound(high.value, False)
        covered += span
        read += here
        if here and span > 0:
            densest = max(densest, here / span)
        position = edge
        if last:
            break
        if axis.clustered and read and not here:
            # Crossing a gap between clusters: doubling, so the window that reaches the next
            # cluster spans at most twice the gap crossed (one more query per doubling).
            width *= 2
        elif read:
            rate = max(read / covered, densest if axis.clustered else 0.0)
            wanted = (limit - len(walk.found)) / rate * SLACK
            width = min(max(wanted, axis.width / 64), width * GROWTH)
        else:
            width *= GROWTH
    ordered = heapq.nsmallest(
        limit, walk.found.values(), key=lambda doc: _Sortable(walk.order_key(doc), descending)
    )
    # Rows read (kept or not) per unit of the key where this page ended, not over the whole
    # walk: a page that ends inside a burst should start the next one with a narrow window,
    # and a window is sized by what it reads, which is what it costs.
    if len(ordered) == limit:
        end = axis.number(ordered[-1].get(axis.field))
        span = abs(origin - end)
        if span == 0 and axis.clustered:
            # Keys the axis cannot tell apart (sharing their first STRING_DIGITS bytes): the
            # next page starts narrow rather than at a density measured elsewhere.
            _densities.put(key, limit / axis.width)
        elif span > 0:
            rate = max(read, limit) / span
            if axis.clustered:
                rate = max(rate, _spacing(axis, ordered[-1 - max(1, limit // 4) :]))
            _densities.put(key, rate)
    elif covered:
        # Nothing or too little to fill the page: the next walk of these branches starts with
        # a window as wide as this whole walk (one query while they stay this sparse).
        _densities.put(key, max(read, 1) / covered)
    return ordered


def _no_further(value: Any, bound: _Bound | None, descending: bool) -> Any:
    """A window's far edge, never back past where the walk already is: an edge turned from a
    number into a key may land behind the key the walk started from (a string axis rounds
    non-ASCII keys down)."""
    if bound is None:
        return value
    if descending:
        return value if value <= bound.value else bound.value
    return value if value >= bound.value else bound.value


def _spacing(axis: Axis, rows: Sequence[Document]) -> float:
    """Rows per unit between the page's last rows, by their median gap: the next page starts
    inside their cluster, and one gap between clusters among them must not widen its window."""
    numbers = [axis.number(row.get(axis.field)) for row in rows]
    gaps = sorted(abs(b - a) for a, b in itertools.pairwise(numbers) if b != a)
    return 1 / gaps[len(gaps) // 2] if gaps else 0.0


async def _whole(
    walk: _Walk, limit: int, after: tuple[Any, Any] | None, start: Any, end: Any
) -> list[Document]:
    rows = await asyncio.gather(*(walk._read(branch, 10_000) for branch in walk.branches))
    walk._add([row for found in rows for row in found])
    chosen = []
    for document in walk.found.values():
        value = document.get(walk.axis.field)
        if value is None or (start is not None and value < start):
            continue
        if end is not None and value >= end:
            continue
        if after is not None:
            here = walk.order_key(document)
            if (here >= after) if walk.descending else (here <= after):
                continue
        chosen.append(document)
    return heapq.nsmallest(
        limit, chosen, key=lambda doc: _Sortable(walk.order_key(doc), walk.descending)
    )


class _Sortable:
    __slots__ = ("key", "reverse")

    def __init__(self, key: tuple[Any, Any], reverse: bool) -> None:
        self.key = key
        self.reverse = reverse

    def __lt__(self, other: _Sortable) -> bool:
        return self.key > other.key if self.reverse else self.key < other.key


def plan(
    wanted: dict[str, list[Any]],
    indexes: Sequence[Sequence[str]],
    *,
    max_branches: int = 24,
) -> tuple[list[Document], dict[str, list[Any]]]:
    """The index branches for what a list asks for, and what is left to check on the rows.

    `wanted` maps each filtered field to the values it may take; `indexes` are the equality
    fields that lead the collection's indexes (before the sort key), most selective first. The
    first index whose fields are all asked for, within `max_branches` combinations of their
    values, is read: one branch per combination. The other fields are checked on the rows."""
    for fields in indexes:
        if not all(wanted.get(name) for name in fields):
            continue
        count = 1
        for name in fields:
            count *= len(wanted[name])
        if count > max_branches:
            continue
        branches: list[Document] = [{}]
        for name in fields:
            branches = [{**branch, name: value} for branch in branches for value in wanted[name]]
        rest = {name: values for name, values in wanted.items() if values and name not in fields}
        return branches, rest
    raise ValueError(f"no index serves {sorted(wanted)}; list () last")


def keeps(rest: dict[str, list[Any]]) -> Callable[[Document], bool] | None:
    """A row check for the fields `plan` left over (a dotted path; an array field matches when
    any of its items is one of the values); None when nothing is left."""
    if not rest:
        return None

    def keep(document: Document) -> bool:
        for name, values in rest.items():
            value: Any = document
            for part in name.split("."):
                value = value.get(part) if isinstance(value, dict) else None
            items = value if isinstance(value, list) else [value]
            if not any(item in values for item in items):
                return False
        return True

    return keep


def cursor(document: Document, axis: Axis) -> tuple[Any, Any]:
    """The (value, _id) a page token keeps for this row."""
    return document.get(axis.field), document["_id"]
