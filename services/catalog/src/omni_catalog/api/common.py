"""What every part of the servicer shares: the stores, and a change's write with its events.

Every state-changing RPC runs through the kit's idempotency pipeline
(`self.infra.idempotency.run`): its plan reads and checks, then hands back the write, which
the pipeline runs in one transaction with the command's record."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from google.protobuf.message import Message
from pymongo.asynchronous.client_session import AsyncClientSession

from omni_catalog.api.messages import Wire
from omni_catalog.domain.products import Product
from omni_catalog.readmodel import ReadModel
from omni_catalog.store import CategoryStore, ListingStore, ProductStore
from omni_catalog.store.prices import ChannelCurrencyStore, PriceHistoryStore
from omni_kit.facts import Event
from omni_kit.idempotency import Work
from omni_kit.runtime import Infrastructure

R = TypeVar("R", bound=Message)
# Products a command changes, (before, after), for the vocabulary once the change is committed.
Noted = list[tuple[Product | None, Product | None]]
Write = Callable[[AsyncClientSession], Awaitable[list[Event]]]


async def nothing(session: AsyncClientSession) -> list[Event]:
    """The write of a request that changes nothing."""
    return []


class Catalog:
    def __init__(self, infra: Infrastructure) -> None:
        self.infra = infra
        self.products = ProductStore(infra.db)
        self.categories = CategoryStore(infra.db)
        self.listings = ListingStore(infra.db)
        self.currencies = ChannelCurrencyStore(
            infra.db, getattr(infra.settings, "default_currency", "EUR")
        )
        self.history = PriceHistoryStore(infra.db)
        self.readmodel = ReadModel(
            infra.db, Wire(), getattr(infra.settings, "vocabulary_seconds", 30.0)
        )

    def count_words(self, noted: Noted) -> Callable[[R], Awaitable[R]]:
        """After the commit (once per command, never on a replay): the search vocabulary
        counts the words of the products the command changed."""

        async def then(reply: R) -> R:
            for before, after in noted:
                self.readmodel.words_changed(before, after)
            return reply

        return then

    def writing(self, write: Write, response: R) -> Work[R]:
        """The pipeline's write step: `write` with the events it returns, answering `response`."""

        async def work(session: AsyncClientSession) -> R:
            facts = [(event.subject, event.message, event.id) for event in await write(session)]
            await self.infra.outbox.add_many(session, facts)
            return response

        return work
