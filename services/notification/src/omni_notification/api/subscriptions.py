"""Back-in-stock subscription RPCs."""

from __future__ import annotations

from typing import Any

from grpc import aio
from pymongo.errors import DuplicateKeyError

from omni.notification.v1 import notification_pb2
from omni_kit import paging
from omni_kit.errors import FailedPrecondition, InvalidArgument, NotFound
from omni_kit.idempotency import Work
from omni_kit.ids import new_id, utcnow
from omni_kit.runtime import Infrastructure
from omni_notification import events
from omni_notification.api import messages
from omni_notification.domain import requests
from omni_notification.domain.common import Actor, ActorKind
from omni_notification.domain.requests import NewSubscription
from omni_notification.domain.subscriptions import Subscription, SubscriptionStatus
from omni_notification.store import SubscriptionStore

N = notification_pb2


class SubscriptionRpcs:
    infra: Infrastructure
    subscriptions: SubscriptionStore

    async def CreateBackInStockSubscription(
        self, request: N.CreateBackInStockSubscriptionRequest, context: aio.ServicerContext
    ) -> N.CreateBackInStockSubscriptionResponse:
        wanted = messages.new_subscription(request)
        requests.check_subscription(wanted)
        try:
            return await self.infra.idempotency.run(
                context,
                request,
                N.CreateBackInStockSubscriptionResponse,
                lambda: self._plan_subscription(wanted),
            )
        except DuplicateKeyError:  # the same subscription was made at the same moment
            existing = await self.subscriptions.active(
                wanted.customer_id, wanted.sku, wanted.location_id
            )
            if existing is None:
                raise
            return N.CreateBackInStockSubscriptionResponse(
                subscription=messages.subscription_message(existing)
            )

    async def _plan_subscription(
        self, wanted: NewSubscription
    ) -> Work[N.CreateBackInStockSubscriptionResponse]:
        existing = await self.subscriptions.active(
            wanted.customer_id, wanted.sku, wanted.location_id
        )
        if existing is not None:  # one active subscription per customer, SKU and location
            found = N.CreateBackInStockSubscriptionResponse(
                subscription=messages.subscription_message(existing)
            )

            async def unchanged(session: Any) -> N.CreateBackInStockSubscriptionResponse:
                return found

            return unchanged
        subscription = Subscription(
            id=new_id("bis"),
            customer_id=wanted.customer_id,
            sku=wanted.sku,
            location_id=wanted.location_id,
            channel=wanted.channel,
            contact_channel=wanted.contact_channel,
            status=SubscriptionStatus.ACTIVE,
            created_at=utcnow(),
        )
        actor = Actor(kind=ActorKind.CUSTOMER, id=wanted.customer_id)
        event = events.subscription_event("created", subscription, actor)

        async def write(session: Any) -> N.CreateBackInStockSubscriptionResponse:
            await self.subscriptions.insert(subscription, session)
            await self.infra.outbox.add(session, event.subject, event.message, event_id=event.id)
            return N.CreateBackInStockSubscriptionResponse(
                subscription=messages.subscription_message(subscription)
            )

        return write

    async def _subscription(self, subscription_id: str) -> Subscription:
        if not subscription_id:
            raise InvalidArgument("subscription_id is required", field="subscription_id")
        subscription = await self.subscriptions.get(subscription_id)
        if subscription is None:
            raise NotFound(
                f"no back-in-stock subscription with id {subscription_id!r}",
                reason="SUBSCRIPTION_NOT_FOUND",
            )
        return subscription

    async def GetBackInStockSubscription(
        self, request: N.GetBackInStockSubscriptionRequest, context: aio.ServicerContext
    ) -> N.GetBackInStockSubscriptionResponse:
        subscription = await self._subscription(request.subscription_id)
        return N.GetBackInStockSubscriptionResponse(
            subscription=messages.subscription_message(subscription)
        )

    async def CancelBackInStockSubscription(
        self, request: N.CancelBackInStockSubscriptionRequest, context: aio.ServicerContext
    ) -> N.CancelBackInStockSubscriptionResponse:
        return await self.infra.idempotency.run(
            context,
            request,
            N.CancelBackInStockSubscriptionResponse,
            lambda: self._plan_cancel(request.subscription_id, request.actor),
        )

    async def _plan_cancel(
        self, subscription_id: str, actor: Any
    ) -> Work[N.CancelBackInStockSubscriptionResponse]:
        subscription = (await self._subscription(subscription_id)).cancel(utcnow())
        event = events.subscription_event(
            "closed", subscription, messages.actor_from_message(actor)
        )

        async def write(session: Any) -> N.CancelBackInStockSubscriptionResponse:
            if not await self.subscriptions.close(subscription, session):
                raise FailedPrecondition(
                    "the subscription was closed meanwhile", reason="SUBSCRIPTION_CLOSED"
                )
            await self.infra.outbox.add(session, event.subject, event.message, event_id=event.id)
            return N.CancelBackInStockSubscriptionResponse(
                subscription=messages.subscription_message(subscription)
            )

        return write

    async def ListBackInStockSubscriptions(
        self, request: N.ListBackInStockSubscriptionsRequest, context: aio.ServicerContext
    ) -> N.ListBackInStockSubscriptionsResponse:
        size = paging.page_size(request.page_size)
        after = paging.decode_cursor(request.page_token, 2)
        query: dict[str, Any] = {}
        for name in ("customer_id", "sku", "location_id"):
            if getattr(request, name):
                query[name] = getattr(request, name)
        if statuses := messages.subscription_statuses(request.statuses):
            query["status"] = {"$in": [status.value for status in statuses]}
        found = await self.subscriptions.page(query, after, size + 1)
        reply = N.ListBackInStockSubscriptionsResponse(
            subscriptions=[messages.subscription_message(s) for s in found[:size]]
        )
        if len(found) > size:
            last = found[size - 1]
            reply.next_page_token = paging.encode_cursor([last.created_at, last.id])
        return reply
