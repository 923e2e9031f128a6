"""The events that trigger notifications (order milestones, stock back in stock), and the
locations inventory publishes, kept so messages name their store.

A handler only records what to send (in the inbox transaction, so a redelivered event records
nothing twice); the dispatcher sends it."""

from __future__ import annotations

from typing import Any

from google.protobuf.message import Message

from omni.common.v1 import common_pb2
from omni.inventory.v1 import events_pb2 as inventory_events
from omni.notification.v1 import notification_pb2
from omni.order.v1 import events_pb2 as order_events
from omni_kit.events import Inbox
from omni_kit.events.consumer import EventContext
from omni_kit.ids import utcnow
from omni_kit.protos import from_document, to_document
from omni_kit.runtime import Infrastructure
from omni_notification import events
from omni_notification.contacts import Contacts
from omni_notification.dispatch import Dispatcher
from omni_notification.domain import drafts, registry
from omni_notification.domain.records import new_notification
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
SYSTEM = common_pb2.Actor(kind=common_pb2.ACTOR_KIND_SYSTEM, id="notification")


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
        draft = drafts.order_draft(context.subject, event)
        if draft is None:
            return
        kind = registry.EVENT_TYPES[draft.event_type]
        document = new_notification(
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
        await self._record(self.order_inbox, context, [document], [])

    async def on_back_in_stock(
        self, event: inventory_events.BackInStock, context: EventContext
    ) -> None:
        matching = [
            document
            for document in await self.subscriptions.active_for_sku(event.sku)
            if drafts.subscription_matches(document.get("location_id", ""), event.location_id)
        ]
        listings: dict[tuple[str, str], tuple[bool, str]] = {}
        now = utcnow()
        notices, closed = [], []
        for document in matching:
            subscription = from_document(document, notification_pb2.BackInStockSubscription)
            channel = subscription.channel
            if not drafts.available_to(event.channel_availability, channel):
                continue
            key = (common_pb2.SalesChannel.Name(channel.channel), channel.partner_id)
            if key not in listings:
                listings[key] = await self.contacts.listing(event.sku, channel)
            published, product_name = listings[key]
            if not published:
                continue
            draft = drafts.Draft(
                customer_id=subscription.customer_id,
                event_type=registry.BACK_IN_STOCK,
                subject_id=subscription.id,
                variables=drafts.back_in_stock_variables(
                    event.sku, product_name, event.location_id, event.available
                ),
                source_event_id=event.meta.event_id,
                preferred_channel=subscription.contact_channel,
            )
            notice = new_notification(
                draft,
                dedup_key=f"{event.meta.event_id or context.event_id}:{subscription.id}",
                purpose=common_pb2.CONTACT_PURPOSE_TRANSACTIONAL,
                urgent=False,
                now=now,
                actor=SYSTEM,
            )
            subscription.status = notification_pb2.SUBSCRIPTION_STATUS_NOTIFIED
            subscription.notification_id = notice["_id"]
            subscription.notified_at.FromDatetime(now)
            notices.append(notice)
            closed.append(subscription)
        await self._record(self.stock_inbox, context, notices, closed)

    async def _record(
        self,
        inbox: Inbox,
        context: EventContext,
        notices: list[dict[str, Any]],
        closed: list[notification_pb2.BackInStockSubscription],
    ) -> None:
        async def effect(session: Any) -> None:
            for subscription in closed:
                fields = to_document(subscription)
                fields.pop("_id")
                if await self.subscriptions.close(subscription.id, fields, session) is None:
                    # Closed meanwhile (cancelled): its notice is dropped with it.
                    notices[:] = [n for n in notices if n["subject_id"] != subscription.id]
                    continue
                event = events.subscription_event("closed", subscription, SYSTEM)
                await self.infra.outbox.add(
                    session, event.subject, event.message, event_id=event.id
                )
            for notice in notices:
                if await self.notifications.by_dedup_key(notice["dedup_key"], session) is None:
                    await self.notifications.insert(notice, session)

        if await inbox.handle_once(self.infra.client, context.event_id, effect):
            self.dispatcher.wake()
