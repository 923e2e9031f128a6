"""A customer's own back-in-stock subscriptions; another customer's are not found (OWASP API1)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, delete, get, post
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import NotFoundException
from litestar.params import Parameter

from omni.notification.v1 import notification_pb2 as N
from omni_gateway.context import channel_ref
from omni_gateway.downstream import actor_of
from omni_gateway.openapi import ID, Follow, links
from omni_gateway.security import dependencies as auth
from omni_gateway.security.principals import Channel, Principal
from omni_gateway.views.notification import (
    SUBSCRIPTION_STATUS,
    Subscription,
    SubscriptionBody,
    SubscriptionPage,
    SubscriptionStatus,
    contact_channel,
    subscription_page,
    subscription_view,
)

PageSize = Annotated[int, Parameter(ge=1, le=200)]
Token = Annotated[str, Parameter(max_length=2000)]
SUBSCRIPTION = {"subscription_id": ID}


class MySubscriptions(Controller):
    path = "/api/v1/me/back-in-stock-subscriptions"
    tags = ["notifications"]
    dependencies = {"principal": Provide(auth.customer), "source": Provide(auth.frontend_channel)}
    security = [{"bearerAuth": []}]

    @post(
        "/",
        summary="Tell me when a SKU is back in stock (optionally at one store)",
        opt=links(
            201,
            {
                "GetSubscription": Follow(
                    "GET /api/v1/me/back-in-stock-subscriptions/{subscription_id}", SUBSCRIPTION
                ),
                "CancelSubscription": Follow(
                    "DELETE /api/v1/me/back-in-stock-subscriptions/{subscription_id}", SUBSCRIPTION
                ),
            },
        ),
    )
    async def subscribe(
        self, state: State, principal: Principal, source: Channel, data: SubscriptionBody
    ) -> Subscription:
        reply = await state.downstream.call(
            state.downstream.notification.CreateBackInStockSubscription,
            N.CreateBackInStockSubscriptionRequest(
                customer_id=principal.id,
                sku=data.sku,
                location_id=data.location_id,
                channel=channel_ref(source),
                contact_channel=contact_channel(data.contact_channel),
            ),
            # One active subscription per SKU and store: repeating the call changes nothing.
            idempotent=True,
        )
        return subscription_view(reply.subscription)

    @get("/", summary="My back-in-stock subscriptions, newest first")
    async def mine(
        self,
        state: State,
        principal: Principal,
        status: SubscriptionStatus | None = None,
        page_size: PageSize = 50,
        page_token: Token = "",
    ) -> SubscriptionPage:
        request = N.ListBackInStockSubscriptionsRequest(
            customer_id=principal.id, page_size=page_size, page_token=page_token
        )
        if status is not None:
            request.statuses.append(SUBSCRIPTION_STATUS.number(status))
        reply = await state.downstream.call(
            state.downstream.notification.ListBackInStockSubscriptions, request, idempotent=True
        )
        return subscription_page(reply)

    @get("/{subscription_id:str}", summary="One of my subscriptions")
    async def one(self, state: State, principal: Principal, subscription_id: str) -> Subscription:
        return subscription_view(await _own_subscription(state, principal, subscription_id))

    @delete("/{subscription_id:str}", summary="Cancel one of my subscriptions", status_code=200)
    async def cancel(
        self, state: State, principal: Principal, subscription_id: str
    ) -> Subscription:
        await _own_subscription(state, principal, subscription_id)
        reply = await state.downstream.call(
            state.downstream.notification.CancelBackInStockSubscription,
            N.CancelBackInStockSubscriptionRequest(
                subscription_id=subscription_id, actor=actor_of(principal)
            ),
            idempotent=False,
        )
        return subscription_view(reply.subscription)


async def _own_subscription(
    state: State, principal: Principal, subscription_id: str
) -> N.BackInStockSubscription:
    reply = await state.downstream.call(
        state.downstream.notification.GetBackInStockSubscription,
        N.GetBackInStockSubscriptionRequest(subscription_id=subscription_id),
        idempotent=True,
    )
    if reply.subscription.customer_id != principal.id:
        # Not 403: whether someone else's subscription exists is not the caller's business.
        raise NotFoundException(f"no subscription {subscription_id!r}")
    return reply.subscription
