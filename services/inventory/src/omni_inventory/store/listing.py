"""The inventory's lists: which index branches serve each filter, where the oldest-first ones
start, and their page tokens. The pages themselves are `omni_kit.keyset`'s bounded windows.

Newest-first lists (reservations, transfers) walk back from now. Oldest-first lists (a
location's stock by SKU, inbound by expected time, the ledger by sequence, the stock feed by
update time) start at their branch's floor (`omni_kit.floors`), kept by the writes in
`FLOORED`: the store cannot say where a branch begins without reading it."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from datetime import timedelta
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from omni_kit import floors, keyset, paging

Document = dict[str, Any]

# The equality fields leading each collection's list indexes (then the sort key, then _id),
# most selective first.
LISTS: dict[str, list[tuple[str, ...]]] = {
    "stock": [("sku",), ("location_id",), ()],
    "reservations": [
        ("owner.order_id",),
        ("owner.cart_id",),
        ("owner.customer_id",),
        ("skus",),
        ("status",),
        (),
    ],
    "transfers": [("from_location_id",), ("to_location_id",), ("status",), ()],
    "inbound": [("sku", "location_id"), ("sku",), ("location_id",), ("status",), ()],
    "ledger": [("sku", "location_id"), ("sku",), ("location_id",), ()],
}
# Branches on these fields hold a few rows whatever the business's size: read whole.
SMALL = {
    "stock": {"sku"},  # one SKU: a row per location
    "reservations": {"owner.order_id", "owner.cart_id"},  # one order's or cart's holds
    "inbound": {"sku"},  # one SKU's expected deliveries
}
# The floors the writes keep, per collection: the key of its oldest-first lists and the
# branches that have a floor of their own; any other branch starts at the widest one that
# it narrows (a status branch at the collection's floor).
FLOORED: dict[str, list[tuple[str, list[tuple[str, ...]]]]] = {
    "stock": [("sku", [("location_id",), ()]), ("updated_at", [()])],
    "inbound": [("expected_at", [("location_id",), ()])],
    "ledger": [("seq", [("sku", "location_id"), ("sku",), ("location_id",), ()])],
}

CREATED = keyset.time_axis("created_at")
INBOUND_IDS = keyset.id_axis("inb")
SKU = keyset.string_axis("sku")
CODE = keyset.string_axis("code")
POLICY = keyset.string_axis("_id")
# Deliveries are expected up to a year or two ahead.
EXPECTED = keyset.time_axis("expected_at", width=timedelta(hours=1), horizon=timedelta(days=800))
UPDATED = keyset.time_axis("updated_at")
# The ledger's sequence is nanoseconds of wall-clock time (store/changes.py `_seq`).
SEQ = keyset.int_axis("seq", width=60 * 10**9, origin=lambda: float(time.time_ns()))


def floor_keys(collection: str, document: Document) -> dict[str, list[str]]:
    """Per key field, the floors a new row of `collection` must not lie below."""
    return {
        field: [
            floors.key(collection, field, {name: document.get(name) for name in shape})
            for shape in shapes
        ]
        for field, shapes in FLOORED.get(collection, [])
    }


def floors_of(collection: str, documents: Iterable[Document]) -> list[tuple[str, Any]]:
    """(floor, value) for every branch the rows about to be written join."""
    return [
        (name, document[field])
        for document in documents
        for field, keys in floor_keys(collection, document).items()
        if document.get(field) is not None
        for name in keys
    ]


async def note(kept: floors.Floors, collection: str, document: Document) -> None:
    """Keep the floors of the branches a row about to be written joins."""
    await kept.lower_many(floors_of(collection, [document]))


async def rebuild_floors(collection: AsyncCollection[Document]) -> dict[str, int]:
    """Every floor, kept in `collection`, from the data (a migration for rows written before
    the floors were kept, and after rows are written around the API)."""
    kept = floors.Floors(collection)
    written = 0
    for name, keys in FLOORED.items():
        written += await floors.rebuild(kept, collection.database[name], keys)
    return {"floors": written}


async def start(
    kept: floors.Floors, collection: str, field: str, branches: Sequence[Document]
) -> tuple[list[Document], Any]:
    """The branches that have had rows and the floor below all of them (None: none has)."""
    shapes = dict(FLOORED.get(collection, [])).get(field, [])
    owners = []
    for branch in branches:
        shape = next((s for s in shapes if set(s) <= set(branch)), None)
        if shape is None:
            raise ValueError(f"no floor covers a branch {sorted(branch)} of {collection}.{field}")
        owners.append(floors.key(collection, field, {name: branch[name] for name in shape}))
    found = await kept.lowest(sorted(set(owners)))
    live = [branch for branch, owner in zip(branches, owners, strict=True) if owner in found]
    return live, min((found[owner] for owner in set(owners) if owner in found), default=None)


async def page(
    collection: AsyncCollection[Document],
    wanted: dict[str, list[Any]],
    axis: keyset.Axis,
    size: int,
    token: str,
    *,
    descending: bool = False,
    kept: floors.Floors | None = None,
    keep: Callable[[Document], bool] | None = None,
    since: Any = None,
    until: Any = None,
    whole: bool = False,
    missing: keyset.Axis | None = None,
    either: Sequence[dict[str, list[Any]]] = (),
) -> tuple[list[Document], str]:
    """One page of the documents matching `wanted` (field -> the values it may take), ordered by
    `axis` then `_id`, and the token for the next ("" at the end). Oldest first from the
    branches' floor in `kept` unless `descending`; `since`/`until` bound the key. `missing`:
    rows without the key come first (where MongoDB sorts them), paged by this id axis.
    `either`: alternatives, each with `wanted`, any of which a row may match."""
    query = paging.fingerprint(
        collection.name, axis.field, descending, wanted, since, until, list(either)
    )
    after = paging.decode_cursor(token, 2, query=query)
    branches, rest = _branches(collection.name, wanted, either)
    small = SMALL.get(collection.name, set())
    whole = whole or all(small.intersection(branch) for branch in branches)
    check = _both(keyset.keeps(rest), keep)
    documents: list[Document] = []
    if missing is not None and (after is None or after[0] is None):
        documents = await keyset.page(
            collection,
            [{**branch, axis.field: None} for branch in branches],
            missing,
            limit=size + 1,
            descending=False,
            after=None if after is None else (after[1], after[1]),
            keep=check,
            whole=whole,
        )
        after = None
    if len(documents) <= size:
        documents += await _keyed(
            collection,
            branches,
            axis,
            size + 1 - len(documents),
            after,
            descending=descending,
            kept=kept,
            keep=check,
            since=since,
            until=until,
            whole=whole,
        )
    return _paged(documents, size, axis, query)


async def small_page(
    collection: AsyncCollection[Document],
    query: Document,
    axis: keyset.Axis,
    size: int,
    token: str,
) -> tuple[list[Document], str]:
    """A page of a collection small by nature (locations, policies): read whole, paged here."""
    fingerprint = paging.fingerprint(collection.name, axis.field, query)
    after = paging.decode_cursor(token, 2, query=fingerprint)
    documents = await keyset.page(
        collection,
        [query],
        axis,
        limit=size + 1,
        descending=False,
        after=None if after is None else (after[0], after[1]),
        whole=True,
    )
    return _paged(documents, size, axis, fingerprint)


def _paged(
    documents: list[Document], size: int, axis: keyset.Axis, query: str
) -> tuple[list[Document], str]:
    if len(documents) <= size:
        return documents, ""
    last = documents[size - 1]
    return documents[:size], paging.encode_cursor([last.get(axis.field), last["_id"]], query)


async def _keyed(
    collection: AsyncCollection[Document],
    branches: list[Document],
    axis: keyset.Axis,
    limit: int,
    after: Sequence[Any] | None,
    *,
    descending: bool,
    kept: floors.Floors | None,
    keep: Callable[[Document], bool] | None,
    since: Any,
    until: Any,
    whole: bool,
) -> list[Document]:
    begin = since
    if not descending and not whole:
        if kept is None:
            raise ValueError(f"an oldest-first list of {collection.name} needs its floors")
        branches, floor = await start(kept, collection.name, axis.field, branches)
        if floor is None:
            return []
        begin = floor if since is None else max(since, floor)
    return await keyset.page(
        collection,
        branches,
        axis,
        limit=limit,
        descending=descending,
        after=None if after is None else (after[0], after[1]),
        start=begin,
        end=until,
        keep=keep,
        whole=whole,
    )


def _branches(
    collection: str, wanted: dict[str, list[Any]], either: Sequence[dict[str, list[Any]]]
) -> tuple[list[Document], dict[str, list[Any]]]:
    """The index branches for `wanted` and any one of `either`, and what the rows must show."""
    lists = [*LISTS.get(collection, []), ()]
    if not either:
        return keyset.plan(wanted, lists)
    branches: list[Document] = []
    rests = []
    for alternative in either:
        found, rest = keyset.plan({**wanted, **alternative}, lists)
        branches += found
        rests.append(rest)
    if any(rest != rests[0] for rest in rests):
        raise ValueError(f"alternatives of a {collection} list must leave the same checks")
    return branches, rests[0]


def _both(
    first: Callable[[Document], bool] | None, second: Callable[[Document], bool] | None
) -> Callable[[Document], bool] | None:
    if first is None or second is None:
        return first or second
    return lambda document: first(document) and second(document)


def wanted(**conditions: Any) -> dict[str, list[Any]]:
    """The filters a List request set, each as the values it may take (empty strings and lists
    mean "any")."""
    found: dict[str, list[Any]] = {}
    for name, value in conditions.items():
        if isinstance(value, str) or not isinstance(value, Iterable):
            if value:
                found[name] = [value]
        elif values := list(value):
            found[name] = values
    return found


def names(enum: Any, values: Any) -> list[str]:
    """Enum values as the names documents store."""
    return [enum.Name(value) for value in values]
