"""The events that trigger notifications (order milestones, stock back in stock), and the
locations inventory publishes, kept so messages name their store.

A handler only records what to send (in the inbox transaction, so a redelivered event records
nothing twice); the dispatcher sends it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from google.protobuf.message import Message

from omni.inventory.v1 import events_pb2 as inventory_events
from omni.order.v1 import events_pb2 as order_events
from omni_kit.events import Inbox
from omni_kit.events.consumer import EventContext
from omni_kit.ids import utcnow
from omni_kit.runtime import Infrastructure
from omni_notification import events
from omni_notification.api import messages
from omni_notification.contacts import Contacts
from omni_notification.dispatch import Dispatcher
from omni_notification.domain import drafts, registry, subscriptions
from omni_notification.domain.common import Actor, ActorKind, ContactPurpose, SalesChannel
from omni_notification.domain.notifications import Notification, new_notification
from omni_notification.domain.subscriptions import Subscription
from omni_notification.store import LocationStore, NotificationStore, SubscriptionStore

ORDER_MESSAGES: list[type[Message]] = [
    order_events.OrderConfirmed,
    order_events.OrderFailed,
    order_events.OrderReadyForPickup,
    order_events.PickupReminderDue,
    order_events.OrderShipped,
    order_events.OrderDelivered,
    order_events.ReturnReceived,
]
LOCATION_CHANGED = "omni.inventory.location.changed"
# Stock events come in bursts (an import, a delivery): taken a hundred at a time.
STOCK_BATCH = 100
SYSTEM = Actor(kind=ActorKind.SYSTEM, id="notification")


class Triggers:
    def __init__(
        self,
        infra: Infrastructure,
        notifications: NotificationStore,
        subscriptions: SubscriptionStore,
        contacts: Contacts,
        dispatcher: Dispatcher,
        locations: LocationStore,
    ) -> None:
        self.infra = infra
        self.notifications = notifications
        self.subscriptions = subscriptions
        self.contacts = contacts
        self.dispatcher = dispatcher
        self.locations = locations
        self.order_inbox = infra.consume(
            "notification-orders",
            "OMNI_ORDER",
            list(registry.ORDER_EVENTS),
            ORDER_MESSAGES,
            self.on_order_event,
        )
        self.stock_inbox = infra.consume(
            "notification-back-in-stock",
            "OMNI_INVENTORY",
            registry.BACK_IN_STOCK,
            inventory_events.BackInStock,
            self.on_back_in_stock,
            interest=self.awaited,
            batch=STOCK_BATCH,
        )
        self.location_inbox = infra.consume(
            "notification-locations",
            "OMNI_INVENTORY",
            LOCATION_CHANGED,
            inventory_events.LocationChanged,
            self.on_location_changed,
        )

    async def on_location_changed(
        self, event: inventory_events.LocationChanged, context: EventContext
    ) -> None:
        async def effect(session: Any) -> None:
            await self.locations.keep(event.location, session)

        await self.location_inbox.handle_once(self.infra.client, context.event_id, effect)

    async def on_order_event(self, event: Message, context: EventContext) -> None:
        draft = drafts.order_draft(messages.order_notice(context.subject, event))
        if draft is None:
            return
        kind = registry.EVENT_TYPES[draft.event_type]
        notification = new_notification(
            draft,
            # The event's own id: the same fact republished under another message id (an
            # outbox relay after a crash) still sends nothing twice.
            dedup_key=drafts.dedup_key(
                draft.source_event_id or context.event_id, draft.customer_id, kind.purpose
            ),
            purpose=kind.purpose,
            urgent=kind.urgent,
            now=utcnow(),
            actor=SYSTEM,
        )
        await self._record(self.order_inbox, context, [notification], [])

    async def awaited(self, batch: Sequence[inventory_events.BackInStock]) -> list[bool]:
        """Which of these events some active subscription waits for: one read per batch, so
        stock coming back that nobody asked about (a bulk import) costs nothing per event."""
        waiting = await self.subscriptions.active_places(list({event.sku for event in batch}))
        return [
            any(
                subscriptions.matches(place, event.location_id)
                for sku, place in waiting
                if sku == event.sku
            )
            for event in batch
        ]

    async def on_back_in_stock(
        self, event: inventory_events.BackInStock, context: EventContext
    ) -> None:
        back = messages.stock_back(event)
        matching = [
            subscription
            for subscription in await self.subscriptions.active_for_sku(back.sku)
            if subscriptions.matches(subscription.location_id, back.location_id)
        ]
        listings: dict[tuple[SalesChannel | None, str], tuple[bool, str]] = {}
        now = utcnow()
        notices: list[Notification] = []
        closed: list[Subscription] = []
        for subscription in matching:
            channel = subscription.channel
            if not subscriptions.available_to(back.shares, channel):
                continue
            key = (channel.channel, channel.partner_id) if channel else (None, "")
            if key not in listings:
                listings[key] = await self.contacts.listing(back.sku, channel)
            published, product_name = listings[key]
            if not published:
                continue
            draft = drafts.Draft(
                customer_id=subscription.customer_id,
                event_type=registry.BACK_IN_STOCK,
                subject_id=subscription.id,
                variables=drafts.back_in_stock_variables(
                    back.sku, product_name, back.location_id, back.available
                ),
                source_event_id=back.event_id,
                preferred_channel=subscription.contact_channel,
            )
            notice = new_notification(
                draft,
                dedup_key=f"{back.event_id or context.event_id}:{subscription.id}",
                purpose=ContactPurpose.TRANSACTIONAL,
                urgent=False,
                now=now,
                actor=SYSTEM,
            )
            notices.append(notice)
            closed.append(subscription.notified(notice.id, now))
        await self._record(self.stock_inbox, context, notices, closed)

    async def _record(
        self,
        inbox: Inbox,
        context: EventContext,
        notices: list[Notification],
        closed: list[Subscription],
    ) -> None:
        async def effect(session: Any) -> None:
            for subscription in closed:
                if not await self.subscriptions.close(subscription, session):
                    # Closed meanwhile (cancelled): its notice is dropped with it.
                    notices[:] = [n for n in notices if n.subject_id != subscription.id]
                    continue
                event = events.subscription_event("closed", subscription, SYSTEM)
                await self.infra.outbox.add(
                    session, event.subject, event.message, event_id=event.id
                )
            for notice in notices:
                if not await self.notifications.recorded(notice.dedup_key, session):
                    await self.notifications.insert(notice, session)

        if await inbox.handle_once(self.infra.client, context.event_id, effect):
            self.dispatcher.wake()
