"""The currencies each channel sells in (`channel_currencies`, one document per channel key) and
the history of prices in force (`price_history`, one row per change of a price in force, per
product or variant, channel and currency; read newest first through one index)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from omni_catalog.domain.listings import ChannelListing, currencies_of, price_for
from omni_catalog.domain.prices import ChannelCurrencies, Price
from omni_catalog.domain.versions import stale

Session = AsyncClientSession | None
CURRENCIES = "channel_currencies"
HISTORY = "price_history"
# Omnibus: the lowest price of the 30 days before a price took effect.
LOWEST_WINDOW = timedelta(days=30)
# Rows read for one lowest price: a price changing more often than this in 30 days is not one
# a shop announces a reduction from.
LOWEST_READ = 500
HISTORY_KEY = [
    ("product_id", ASCENDING),
    ("sku", ASCENDING),
    ("channel_key", ASCENDING),
    ("currency", ASCENDING),
    ("at", DESCENDING),
]
INDEXES = {HISTORY: [IndexModel(HISTORY_KEY)]}


class ChannelCurrencyStore:
    def __init__(self, db: AsyncDatabase[dict[str, Any]], default_currency: str) -> None:
        self.docs = db[CURRENCIES]
        self.default = default_currency

    async def get(self, key: str, session: Session = None) -> ChannelCurrencies:
        """The channel's currencies; the catalog's default currency until an admin sets them."""
        document = await self.docs.find_one({"_id": key}, session=session)
        if document is None:
            return ChannelCurrencies(key, (self.default,))
        return ChannelCurrencies(
            key, tuple(document["currencies"]), document["version"], document["updated_at"]
        )

    async def save(
        self, wanted: ChannelCurrencies, expected_version: int, session: AsyncClientSession
    ) -> None:
        document = {
            "_id": wanted.channel_key,
            "currencies": list(wanted.currencies),
            "version": wanted.version,
            "updated_at": wanted.updated_at,
        }
        if expected_version == 0:
            try:
                await self.docs.insert_one(document, session=session)
            except DuplicateKeyError:
                raise stale("the channel's currencies", 0, 1) from None
            return
        result = await self.docs.replace_one(
            {"_id": wanted.channel_key, "version": expected_version}, document, session=session
        )
        if result.matched_count == 0:
            current = await self.get(wanted.channel_key, session)
            raise stale("the channel's currencies", expected_version, current.version)


class PriceHistoryStore:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self.rows = db[HISTORY]

    async def follow(
        self,
        listing: ChannelListing,
        key: str,
        skus: Sequence[str],
        at: datetime,
        session: AsyncClientSession,
    ) -> None:
        """Add a row for every price in force at `at` (the product's and each variant's, per
        currency) that differs from its last row."""
        for row, terms in _in_force(listing, key, skus, at):
            last = await self.rows.find_one(row, sort=[("at", DESCENDING)], session=session)
            if last and (last["amount_minor"], last["on_sale"]) == terms:
                continue
            await self.rows.insert_one(_entry(row, terms, at), session=session)

    async def start(
        self,
        listed: Sequence[tuple[ChannelListing, str, Sequence[str]]],
        at: datetime,
        session: AsyncClientSession,
    ) -> None:
        """The first rows of new products' (listing, channel key, SKUs): every price in force at
        `at`, in one write (a new product has no row to compare with)."""
        rows = [
            _entry(row, terms, at)
            for listing, key, skus in listed
            for row, terms in _in_force(listing, key, skus, at)
        ]
        if rows:
            await self.rows.insert_many(rows, session=session)

    async def entries(
        self, product_id: str, sku: str, key: str, currency: str, limit: int
    ) -> list[dict[str, Any]]:
        cursor = self.rows.find(_row(product_id, sku, key, currency)).sort("at", DESCENDING)
        return [row async for row in cursor.limit(limit)]

    async def lowest(
        self, product_id: str, sku: str, key: str, currency: str, now: datetime
    ) -> int | None:
        """The lowest price in force during the 30 days before the price in force at `now` took
        effect (that price when none was before); None without history."""
        row = _row(product_id, sku, key, currency)
        current = await self.rows.find_one(row | {"at": {"$lte": now}}, sort=[("at", DESCENDING)])
        if current is None:
            return None
        since = current["at"] - LOWEST_WINDOW
        window = self.rows.find(row | {"at": {"$gte": since, "$lt": current["at"]}})
        amounts = [
            r["amount_minor"] async for r in window.sort("at", DESCENDING).limit(LOWEST_READ)
        ]
        before = await self.rows.find_one(row | {"at": {"$lt": since}}, sort=[("at", DESCENDING)])
        if before is not None:
            amounts.append(before["amount_minor"])
        return min(amounts, default=current["amount_minor"])


def _row(product_id: str, sku: str, key: str, currency: str) -> dict[str, Any]:
    return {"product_id": product_id, "sku": sku, "channel_key": key, "currency": currency}


def _terms(price: Price) -> tuple[int, bool]:
    return price.amount_minor, price.on_sale


def _in_force(
    listing: ChannelListing, key: str, skus: Sequence[str], at: datetime
) -> list[tuple[dict[str, Any], tuple[int, bool]]]:
    """(row key, (amount, on sale)) of every price of the listing in force at `at`."""
    found = []
    for sku in ["", *skus]:
        for currency in currencies_of(listing):
            price = price_for(listing, sku, currency, at)
            if price is not None:
                found.append((_row(listing.product_id, sku, key, currency), _terms(price)))
    return found


def _entry(row: dict[str, Any], terms: tuple[int, bool], at: datetime) -> dict[str, Any]:
    amount, on_sale = terms
    return row | {"at": at, "amount_minor": amount, "on_sale": on_sale}
