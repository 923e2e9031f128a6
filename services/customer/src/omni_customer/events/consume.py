"""Events the customer service consumes: orders and notifications become timeline entries, and a
confirmed order earns loyalty points once."""

from __future__ import annotations

import dataclasses

from google.protobuf.message import Message
from pymongo.asynchronous.client_session import AsyncClientSession

from omni.order.v1 import events_pb2 as order_events
from omni_customer.api.messages import money
from omni_customer.changes import Changes
from omni_customer.domain import loyalty
from omni_customer.domain.profiles import Profile, ProfileStatus
from omni_customer.domain.values import Actor, ActorKind
from omni_customer.events import entries as event_entries
from omni_customer.events.entries import Builder, Found
from omni_customer.store import CustomerStore
from omni_kit import faults
from omni_kit.errors import NotFound
from omni_kit.events import EventContext, Inbox, stream_name
from omni_kit.ids import utcnow
from omni_kit.logs import get_logger
from omni_kit.runtime import Infrastructure

log = get_logger("omni.customer.consume")

# Streams this service reads; it provisions them too (same configuration as their owners) so a
# start before the owning service does not leave the consumer waiting on backoff.
CONSUMED_DOMAINS = ("order", "notification")
SYSTEM = Actor(ActorKind.SYSTEM, "customer")


class EventConsumers:
    def __init__(self, infra: Infrastructure, store: CustomerStore) -> None:
        self.infra = infra
        self.store = store
        self.changes = Changes(store, infra.outbox)
        self.orders = self._consume(
            "customer-orders", "order", event_entries.ORDER_EVENTS, event_entries.order_entry
        )
        self.notifications = self._consume(
            "customer-notifications",
            "notification",
            event_entries.NOTIFICATION_EVENTS,
            event_entries.notification_entry,
        )

    def _consume(
        self, durable: str, domain: str, types: dict[str, type[Message]], build: Builder
    ) -> Inbox:
        inbox: Inbox

        async def handle(event: Message, context: EventContext) -> None:
            found = build(event, context.event_id, utcnow())
            if found is None:
                return

            async def effect(session: AsyncClientSession) -> None:
                await self.apply(found, event, session)

            await inbox.handle_once(self.infra.client, context.event_id, effect)
            faults.reach("customer.after_timeline_entry")

        inbox = self.infra.consume(
            durable, stream_name(domain), list(types), list(types.values()), handle
        )
        return inbox

    async def apply(self, found: Found, event: Message, session: AsyncClientSession) -> None:
        """Add the entry to the surviving profile's timeline; a confirmed order earns points."""
        try:
            profile = await self.store.profiles.surviving(found.customer_id, session)
        except NotFound:
            log.info("event_for_unknown_customer", customer_id=found.customer_id)
            return
        if profile.status == ProfileStatus.ERASED:
            return
        entry = dataclasses.replace(found.entry, profile_id=profile.id)
        if not await self.store.timeline.exists(entry.id, session):
            await self.changes.add_entry(entry, session)
        if isinstance(event, order_events.OrderConfirmed):
            await self._earn_points(profile, event, session)

    async def _earn_points(
        self,
        profile: Profile,
        event: order_events.OrderConfirmed,
        session: AsyncClientSession,
    ) -> None:
        order = event.order
        points = loyalty.points_for_order(money(order.totals.total))
        key = f"order:{order.id}"
        if points <= 0 or await self.store.ledger.get(key, session) is not None:
            return
        now = utcnow()
        before = profile.version
        number = order.number or order.id
        events = await self.changes.adjust_points(
            profile,
            points,
            key=key,
            reason=f"Order {number} confirmed",
            order_id=order.id,
            actor=SYSTEM,
            now=now,
            session=session,
        )
        await self.changes.save(profile, before, events, session)
