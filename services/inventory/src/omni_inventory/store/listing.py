"""Keyset pages over a collection sorted by (field, _id), ascending.

A List handler's query (equality, `$in`, a time range, and an `$or` of alternatives) is planned
into index branches (`omni_kit.keyset.plan`): an `$or` of equalities on different fields is one
branch per alternative, any other `$or` is checked on the rows read. Each branch is read in its
plainest form, `{branch..., field: {$gt: last}}` sorted by (field, _id), so MongoDB walks the
branch's (equality fields, field) index and stops after a page. SecantusDB fetches the rest of
the branch before it applies the limit: a page of a branch that grows without bound (a
location's stock by SKU, every reservation oldest first) costs what is left of the branch
there; branches small by nature (one SKU's stock, one owner's reservations) are read whole."""

from __future__ import annotations

import asyncio
import heapq
from collections.abc import Iterable
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from omni_kit import keyset, paging

# The equality fields leading each collection's list indexes (then the sort field, then _id),
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
    "policies": [()],
    "locations": [("_id",), ("city_key",), ("kind",), ("active",), ()],
}
# Branches on these fields hold a few rows whatever the business's size: read whole.
SMALL = {
    "stock": {"sku"},  # one SKU: a row per location
    "reservations": {"owner.order_id", "owner.cart_id"},
    "inbound": {"sku"},
    "ledger": set(),
    "transfers": set(),
    "policies": set(),
    "locations": {"_id"},
}


async def page(
    collection: AsyncCollection[dict[str, Any]],
    query: dict[str, Any],
    field: str,
    size: int,
    token: str,
) -> tuple[list[dict[str, Any]], str]:
    """One page of documents and the token for the next ("" at the end)."""
    after = paging.decode_cursor(token, 2)
    cursor = None if after is None else (after[0], after[1])
    lists = LISTS.get(collection.name, [()])
    alternatives, wanted, window, rest_or, rest_and = _parse(query, field)
    branches: list[dict[str, Any]] = []
    rest: dict[str, list[Any]] = {}
    for alternative in alternatives:
        found, left = keyset.plan({**wanted, **alternative}, lists)
        branches += found
        for name, values in left.items():
            rest.setdefault(name, []).extend(values)
    keep = _keeper(keyset.keeps(rest), rest_or, rest_and)
    small = SMALL.get(collection.name, set())
    whole = all(small.intersection(branch) for branch in branches)
    reads = [
        _branch(collection, branch, field, window, cursor, size + 1, keep, whole)
        for branch in branches
    ]
    rows: dict[Any, dict[str, Any]] = {}
    for found in await asyncio.gather(*reads):
        for row in found:
            rows.setdefault(row["_id"], row)
    documents = heapq.nsmallest(size + 1, rows.values(), key=lambda d: (d.get(field), d["_id"]))
    if len(documents) <= size:
        return documents, ""
    last = documents[size - 1]
    return documents[:size], paging.encode_cursor([last.get(field), last["_id"]])


def _parse(
    query: dict[str, Any], field: str
) -> tuple[list[dict[str, list[Any]]], dict[str, list[Any]], dict[str, Any], list[Any], list[Any]]:
    """(alternative branches of an `$or`, equality filters, the sort field's range, an `$or`
    and range conditions on other fields to check on the rows)."""
    alternatives: list[dict[str, list[Any]]] = [{}]
    wanted: dict[str, list[Any]] = {}
    window: dict[str, Any] = {}
    rest_or: list[Any] = []
    rest_and: list[Any] = []
    for name, condition in query.items():
        if name == "$or":
            plain = all(
                len(option) == 1 and not isinstance(next(iter(option.values())), dict)
                for option in condition
            )
            if plain and len({next(iter(option)) for option in condition}) == len(condition):
                alternatives = [{k: [v] for k, v in option.items()} for option in condition]
            else:
                rest_or = list(condition)
        elif name == field and isinstance(condition, dict):
            window = condition
        elif isinstance(condition, dict) and set(condition) == {"$in"}:
            wanted[name] = list(condition["$in"])
        elif isinstance(condition, dict):
            rest_and.append({name: condition})
        else:
            wanted[name] = [condition]
    return alternatives, wanted, window, rest_or, rest_and


def _keeper(keep: Any, rest_or: list[Any], rest_and: list[Any]) -> Any:
    if not rest_or and not rest_and:
        return keep

    def matches(document: dict[str, Any]) -> bool:
        if keep is not None and not keep(document):
            return False
        if rest_or and not any(_holds(document, option) for option in rest_or):
            return False
        return all(_holds(document, option) for option in rest_and)

    return matches


def _holds(document: dict[str, Any], option: dict[str, Any]) -> bool:
    """One `{field: condition}` ($eq, $ne or a range) checked on a row."""
    for name, condition in option.items():
        value = document.get(name)
        ops = condition.items() if isinstance(condition, dict) else [("$eq", condition)]
        for op, bound in ops:
            if op == "$ne" and value == bound:
                return False
            if op == "$eq" and value != bound:
                return False
            if op in ("$gt", "$gte", "$lt", "$lte") and (
                value is None or not _compare(value, op, bound)
            ):
                return False
    return True


def _compare(value: Any, op: str, bound: Any) -> bool:
    return {
        "$gt": value > bound,
        "$gte": value >= bound,
        "$lt": value < bound,
        "$lte": value <= bound,
    }[op]


async def _branch(
    collection: AsyncCollection[dict[str, Any]],
    branch: dict[str, Any],
    field: str,
    window: dict[str, Any],
    cursor: tuple[Any, Any] | None,
    limit: int,
    keep: Any,
    whole: bool,
) -> list[dict[str, Any]]:
    order = [(field, 1), ("_id", 1)] if field != "_id" else [("_id", 1)]
    if whole:
        rows = await collection.find(branch).to_list(None)
        chosen = [
            row
            for row in rows
            if (keep is None or keep(row))
            and _within(row.get(field), window)
            and (cursor is None or (row.get(field), row["_id"]) > cursor)
        ]
        return heapq.nsmallest(limit, chosen, key=lambda d: (d.get(field), d["_id"]))
    found: list[dict[str, Any]] = []
    if cursor is not None and field != "_id":
        # Rows with the cursor's value after its id: few (often none), read by equality on the
        # index's fields and the id compared here.
        tied = await _read(collection, {**branch, field: cursor[0]}, order, 10_000, keep)
        found += [row for row in tied if row["_id"] > cursor[1]][:limit]
    bound: dict[str, Any] = dict(window)
    if cursor is not None:
        bound.pop("$gte", None)
        bound["$gt"] = cursor[0]
    query = {**branch, field: bound} if bound else dict(branch)
    found += await _read(collection, query, order, limit - len(found), keep)
    return found


async def _read(
    collection: AsyncCollection[dict[str, Any]],
    query: dict[str, Any],
    order: list[tuple[str, int]],
    limit: int,
    keep: Any,
) -> list[dict[str, Any]]:
    """Up to `limit` kept rows of one range, in order (read on past rows `keep` refuses)."""
    found: list[dict[str, Any]] = []
    if limit <= 0:
        return found
    async for row in collection.find(query).sort(order).batch_size(max(limit, 2)):
        if keep is None or keep(row):
            found.append(row)
            if len(found) >= limit:
                break
    return found


def _within(value: Any, window: dict[str, Any]) -> bool:
    return all(value is not None and _compare(value, op, bound) for op, bound in window.items())


def where(**conditions: Any) -> dict[str, Any]:
    """A query from the filters a List request set (empty strings and lists mean "any");
    a list matches any of its values."""
    query: dict[str, Any] = {}
    for name, value in conditions.items():
        if isinstance(value, str) or not isinstance(value, Iterable):
            if value:
                query[name] = value
        elif values := list(value):
            query[name] = {"$in": values}
    return query


def names(enum: Any, values: Any) -> list[str]:
    """Enum values as the names documents store."""
    return [enum.Name(value) for value in values]
