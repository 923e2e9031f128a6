"""Back-in-stock subscription RPCs."""

from __future__ import annotations

from typing import Any

from grpc import aio
from pymongo.errors import DuplicateKeyError

from omni.common.v1 import common_pb2
from omni.notification.v1 import notification_pb2
from omni_kit import paging
from omni_kit.errors import FailedPrecondition, InvalidArgument, NotFound
from omni_kit.idempotency import Work
from omni_kit.ids import new_id, utcnow
from omni_kit.protos import from_document, to_document, to_timestamp
from omni_kit.runtime import Infrastructure
from omni_notification import events
from omni_notification.domain import requests
from omni_notification.store import SubscriptionStore

N = notification_pb2


def as_subscription(document: dict[str, Any]) -> N.BackInStockSubscription:
    return from_document(document, N.BackInStockSubscription)


class SubscriptionRpcs:
    infra: Infrastructure
    subscriptions: SubscriptionStore

    async def CreateBackInStockSubscription(
        self, request: N.CreateBackInStockSubscriptionRequest, context: aio.ServicerContext
    ) -> N.CreateBackInStockSubscriptionResponse:
        requests.check_subscription(request)
        try:
            return await self.infra.idempotency.run(
                context,
                request,
                N.CreateBackInStockSubscriptionResponse,
                lambda: self._plan_subscription(request),
            )
        except DuplicateKeyError:  # the same subscription was made at the same moment
            existing = await self.subscriptions.active(
                request.customer_id, request.sku, request.location_id
            )
            if existing is None:
                raise
            return N.CreateBackInStockSubscriptionResponse(subscription=as_subscription(existing))

    async def _plan_subscription(
        self, request: N.CreateBackInStockSubscriptionRequest
    ) -> Work[N.CreateBackInStockSubscriptionResponse]:
        existing = await self.subscriptions.active(
            request.customer_id, request.sku, request.location_id
        )
        if existing is not None:  # one active subscription per customer, SKU and location
            found = N.CreateBackInStockSubscriptionResponse(subscription=as_subscription(existing))

            async def unchanged(session: Any) -> N.CreateBackInStockSubscriptionResponse:
                return found

            return unchanged
        subscription = N.BackInStockSubscription(
            id=new_id("bis"),
            customer_id=request.customer_id,
            sku=request.sku,
            location_id=request.location_id,
            channel=request.channel,
            contact_channel=request.contact_channel,
            status=N.SUBSCRIPTION_STATUS_ACTIVE,
            created_at=to_timestamp(utcnow()),
        )
        actor = common_pb2.Actor(kind=common_pb2.ACTOR_KIND_CUSTOMER, id=request.customer_id)
        event = events.subscription_event("created", subscription, actor)

        async def write(session: Any) -> N.CreateBackInStockSubscriptionResponse:
            await self.subscriptions.insert(to_document(subscription), session)
            await self.infra.outbox.add(session, event.subject, event.message, event_id=event.id)
            return N.CreateBackInStockSubscriptionResponse(subscription=subscription)

        return write

    async def _subscription(self, subscription_id: str) -> N.BackInStockSubscription:
        if not subscription_id:
            raise InvalidArgument("subscription_id is required", field="subscription_id")
        document = await self.subscriptions.get(subscription_id)
        if document is None:
            raise NotFound(
                f"no back-in-stock subscription with id {subscription_id!r}",
                reason="SUBSCRIPTION_NOT_FOUND",
            )
        return as_subscription(document)

    async def GetBackInStockSubscription(
        self, request: N.GetBackInStockSubscriptionRequest, context: aio.ServicerContext
    ) -> N.GetBackInStockSubscriptionResponse:
        return N.GetBackInStockSubscriptionResponse(
            subscription=await self._subscription(request.subscription_id)
        )

    async def CancelBackInStockSubscription(
        self, request: N.CancelBackInStockSubscriptionRequest, context: aio.ServicerContext
    ) -> N.CancelBackInStockSubscriptionResponse:
        return await self.infra.idempotency.run(
            context,
            request,
            N.CancelBackInStockSubscriptionResponse,
            lambda: self._plan_cancel(request),
        )

    async def _plan_cancel(
        self, request: N.CancelBackInStockSubscriptionRequest
    ) -> Work[N.CancelBackInStockSubscriptionResponse]:
        subscription = await self._subscription(request.subscription_id)
        if subscription.status != N.SUBSCRIPTION_STATUS_ACTIVE:
            status = N.SubscriptionStatus.Name(subscription.status)
            raise FailedPrecondition(
                f"the subscription is already closed ({status})",
                reason="SUBSCRIPTION_CLOSED",
            )
        now = utcnow()
        subscription.status = N.SUBSCRIPTION_STATUS_CANCELLED
        subscription.cancelled_at.CopyFrom(to_timestamp(now))
        event = events.subscription_event("closed", subscription, request.actor)
        fields = {"status": N.SubscriptionStatus.Name(subscription.status), "cancelled_at": now}

        async def write(session: Any) -> N.CancelBackInStockSubscriptionResponse:
            if await self.subscriptions.close(subscription.id, fields, session) is None:
                raise FailedPrecondition(
                    "the subscription was closed meanwhile", reason="SUBSCRIPTION_CLOSED"
                )
            await self.infra.outbox.add(session, event.subject, event.message, event_id=event.id)
            return N.CancelBackInStockSubscriptionResponse(subscription=subscription)

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
        if request.statuses:
            query["status"] = {"$in": [N.SubscriptionStatus.Name(s) for s in request.statuses]}
        found = await self.subscriptions.page(query, after, size + 1)
        reply = N.ListBackInStockSubscriptionsResponse(
            subscriptions=[as_subscription(document) for document in found[:size]]
        )
        if len(found) > size:
            last = found[size - 1]
            reply.next_page_token = paging.encode_cursor([last["created_at"], last["_id"]])
        return reply
