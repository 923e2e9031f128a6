"""The built-in tax provider's data: rates per country and class, and each channel's tax."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from omni_kit.errors import NotFound
from omni_order.domain.tax import ChannelTax, TaxClass, TaxRate
from omni_order.domain.values import SalesChannel
from omni_order.store.documents import from_document, to_document

TAX_INDEXES = {"tax_rates": [IndexModel([("country_code", ASCENDING), ("_id", ASCENDING)])]}


def rate_id(country_code: str, tax_class: TaxClass, valid_from: str) -> str:
    """Ids sort by country, class, then start: a list is a walk of `_id`."""
    return f"{country_code}:{tax_class.name.lower()}:{valid_from}"


class TaxStore:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self.rates = db["tax_rates"]
        self.channels = db["channel_taxes"]
        # One document per (country, class): writes of its rates touch it, so two concurrent
        # writes that could overlap each other conflict instead of both passing the check.
        self.series = db["tax_rate_series"]

    async def rate(self, rate_id: str) -> TaxRate:
        document = await self.rates.find_one({"_id": rate_id})
        if document is None:
            raise NotFound(
                f"no tax rate with id {rate_id!r}", reason="TAX_RATE_NOT_FOUND", field="tax_rate.id"
            )
        return from_document(document, TaxRate)

    async def rates_of(
        self,
        country_code: str,
        tax_class: TaxClass | None = None,
        session: AsyncClientSession | None = None,
    ) -> list[TaxRate]:
        query: dict[str, Any] = {"country_code": country_code}
        if tax_class is not None:
            query["tax_class"] = tax_class.value
        cursor = self.rates.find(query, session=session).sort("_id", ASCENDING)
        return [from_document(document, TaxRate) async for document in cursor]

    async def page(self, country_code: str, after: str, limit: int) -> list[TaxRate]:
        """By id; the table is small (a few rates per country), so a plain range suffices."""
        query: dict[str, Any] = {"_id": {"$gt": after}} if after else {}
        if country_code:
            query["country_code"] = country_code
        cursor = self.rates.find(query).sort("_id", ASCENDING).limit(limit)
        return [from_document(document, TaxRate) async for document in cursor]

    async def lock_series(
        self, country_code: str, tax_class: TaxClass, session: AsyncClientSession
    ) -> None:
        await self.series.update_one(
            {"_id": f"{country_code}:{tax_class.value}"},
            {"$inc": {"writes": 1}},
            upsert=True,
            session=session,
        )

    async def insert_rate(self, rate: TaxRate, session: AsyncClientSession) -> None:
        await self.rates.insert_one(to_document(rate), session=session)

    async def replace_rate(self, rate: TaxRate, session: AsyncClientSession) -> None:
        await self.rates.replace_one({"_id": rate.id}, to_document(rate), session=session)

    async def channel_tax(self, channel: SalesChannel) -> ChannelTax | None:
        document = await self.channels.find_one({"_id": channel.value})
        if document is None:
            return None
        document["channel"] = document.pop("_id")
        return from_document(document, ChannelTax)

    async def save_channel_tax(self, channel_tax: ChannelTax, session: AsyncClientSession) -> None:
        document = to_document(channel_tax)
        document["_id"] = document.pop("channel")
        # Stored even when false: an absent field would read as the default (true).
        document["prices_include_tax"] = channel_tax.prices_include_tax
        await self.channels.replace_one(
            {"_id": channel_tax.channel.value}, document, upsert=True, session=session
        )
