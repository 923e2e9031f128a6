"""The ListProducts query: one aggregation that filters products, joins the channel's listing,
computes the sort keys (name, effective price, relevance) and pages by keyset."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from omni_catalog.domain import browse as rules
from omni_catalog.domain.browse import Browse
from omni_catalog.domain.paging import Value, after

DAWN = datetime(1970, 1, 1, tzinfo=UTC)
DOOM = datetime(9999, 12, 31, tzinfo=UTC)
LISTING = "_listing"


async def browse(
    db: AsyncDatabase[dict[str, Any]],
    request: Browse,
    category_ids: list[str] | None,
    cursor: list[Value] | None,
    limit: int,
    now: datetime,
) -> list[dict[str, Any]]:
    """Product documents of one page (each with `_listing` when a channel was given)."""
    stages: list[dict[str, Any]] = [{"$match": _product_filter(request, category_ids)}]
    if request.channel_key is not None:
        stages += _join_listing(request, now)
    stages.append({"$addFields": _sort_fields(request)})
    if cursor is not None:
        stages.append({"$match": after(request.sort, cursor)})
    stages.append({"$sort": {key.field: -1 if key.descending else 1 for key in request.sort}})
    stages.append({"$limit": limit})
    return [document async for document in await db["products"].aggregate(stages)]


def _product_filter(request: Browse, category_ids: list[str] | None) -> dict[str, Any]:
    conditions: list[dict[str, Any]] = [{"status": {"$in": list(request.statuses)}}]
    if category_ids is not None:
        conditions.append({"category_ids": {"$in": category_ids}})
    for key, values in request.attributes:
        conditions.append(
            {
                "$or": [
                    {f"attributes.{key}": {"$in": list(values)}},
                    {f"variants.attributes.{key}": {"$in": list(values)}},
                ]
            }
        )
    if request.query:
        # Escaped: the caller's text is matched literally, never run as a pattern.
        pattern = {"$regex": re.escape(request.query), "$options": "i"}
        conditions.append({"$or": [{"search_names": pattern}, {"variants.sku": pattern}]})
    return {"$and": conditions}


def _join_listing(request: Browse, now: datetime) -> list[dict[str, Any]]:
    wanted: dict[str, Any] = {f"{LISTING}.channel_key": request.channel_key}
    if not request.include_unpublished:
        wanted[f"{LISTING}.published"] = True
    stages: list[dict[str, Any]] = [
        {
            "$lookup": {
                "from": "listings",
                "localField": "_id",
                "foreignField": "product_id",
                "as": "_listings",
            }
        },
        {
            "$addFields": {
                LISTING: {
                    "$first": {
                        "$filter": {
                            "input": "$_listings",
                            "cond": {"$eq": ["$$this.channel_key", request.channel_key]},
                        }
                    }
                }
            }
        },
        {"$match": wanted},
        {"$addFields": {rules.PRICE: _effective_price(now)}},
    ]
    bounds: dict[str, Any] = {}
    for bound, operator in ((request.min_price, "$gte"), (request.max_price, "$lte")):
        if bound is not None:
            bounds.setdefault(rules.PRICE, {})[operator] = bound.amount_minor
            bounds[f"{LISTING}.price.currency_code"] = bound.currency_code
    if bounds:
        stages.append({"$match": bounds})
    return stages


def _effective_price(now: datetime) -> dict[str, Any]:
    """The sale price inside its window (an unset bound is open), else the list price."""
    on_sale = {
        "$and": [
            {"$ne": [{"$ifNull": [f"${LISTING}.sale_price", None]}, None]},
            {"$lte": [{"$ifNull": [f"${LISTING}.sale_starts_at", DAWN]}, now]},
            {"$gt": [{"$ifNull": [f"${LISTING}.sale_ends_at", DOOM]}, now]},
        ]
    }
    return {
        "$cond": [
            on_sale,
            {"$ifNull": [f"${LISTING}.sale_price.amount_minor", 0]},
            {"$ifNull": [f"${LISTING}.price.amount_minor", 0]},
        ]
    }


def _sort_fields(request: Browse) -> dict[str, Any]:
    fields: dict[str, Any] = {rules.NAME: {"$ifNull": ["$sort_name", ""]}}
    if request.query:
        folded = request.query.casefold()
        prefix = {"$regexMatch": {"input": "$sort_name", "regex": "^" + re.escape(folded)}}
        fields[rules.RANK] = {
            "$cond": [{"$in": [folded, "$sku_keys"]}, 0, {"$cond": [prefix, 1, 2]}]
        }
    return fields
