"""Webhooks for partners: subscriptions to event types and the deliveries to them, each partner
seeing only its own."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, delete, get, post
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import Parameter
from pymongo.asynchronous.client_session import AsyncClientSession

from omni_gateway.idempotency import Reply, gateway_once, planned
from omni_gateway.openapi import ID, Follow, links
from omni_gateway.security import dependencies as auth
from omni_gateway.security.guards import scope
from omni_gateway.security.principals import Principal
from omni_gateway.views.webhook import (
    Delivery,
    DeliveryStatus,
    NewWebhook,
    RegisteredWebhook,
    Webhook,
    delivery_view,
    registered_webhook,
    webhook_view,
)
from omni_gateway.webhooks.subscriptions import EVENT_TYPES, check_url

DELIVERIES = "GET /partner/v1/webhook-deliveries"
REMOVE = "DELETE /partner/v1/webhooks/{webhook_id}"
FIRST = "$response.body#/0/id"


def _refuse(field: str, message: str, detail: str) -> ClientException:
    return ClientException(
        detail, status_code=422, extra={"errors": [{"field": field, "message": message}]}
    )


class PartnerWebhooks(Controller):
    path = "/partner/v1"
    tags = ["partner webhooks"]
    dependencies = {"principal": Provide(auth.partner)}
    security = [{"apiKey": []}]

    @post(
        "/webhooks",
        summary="Subscribe a URL to event types; the signing secret is shown once",
        status_code=201,
        guards=[scope("webhooks:manage")],
        opt=links(
            201,
            {
                "Deliveries": Follow(DELIVERIES, {"query.webhook_id": ID}),
                "Remove": Follow(REMOVE, {"webhook_id": ID}),
            },
        ),
    )
    async def create(
        self, request: Request[Any, Any, Any], state: State, principal: Principal, data: NewWebhook
    ) -> Response[RegisteredWebhook]:
        settings = state.settings
        reason = check_url(
            data.url,
            allow_http=settings.webhook_allow_http,
            allow_private=settings.webhook_allow_private_networks,
        )
        if reason:
            raise _refuse("url", reason, f"url {reason}")
        unknown = sorted(set(data.event_types) - EVENT_TYPES)
        if unknown:
            raise _refuse(
                "event_types",
                "see GET /partner/v1/event-types",
                f"unknown event type {unknown[0]!r}",
            )

        async def write(session: AsyncClientSession) -> Reply:
            doc = await state.webhooks.register(
                principal.partner_id, data.url, data.event_types, session=session
            )
            return 201, msgspec.to_builtins(registered_webhook(doc))

        return await gateway_once(request, state.idempotency, "register_webhook", planned(write))

    @get("/event-types", summary="Event types a webhook can subscribe to")
    async def event_types(self, principal: Principal) -> list[str]:
        return sorted(EVENT_TYPES)

    @get(
        "/webhooks",
        summary="My webhooks",
        guards=[scope("webhooks:manage")],
        opt=links(
            200,
            {
                "Deliveries": Follow(DELIVERIES, {"query.webhook_id": FIRST}),
                "Remove": Follow(REMOVE, {"webhook_id": FIRST}),
            },
        ),
    )
    async def list_webhooks(self, state: State, principal: Principal) -> list[Webhook]:
        return [webhook_view(doc) for doc in await state.webhooks.list_for(principal.partner_id)]

    @delete(
        "/webhooks/{webhook_id:str}",
        summary="Remove a webhook",
        status_code=204,
        guards=[scope("webhooks:manage")],
    )
    async def remove(self, state: State, principal: Principal, webhook_id: str) -> None:
        if not await state.webhooks.deactivate(principal.partner_id, webhook_id):
            raise NotFoundException(f"no webhook {webhook_id!r}")

    @get(
        "/webhook-deliveries",
        summary="Deliveries to my webhooks, newest first, with every try",
        guards=[scope("webhooks:manage")],
        opt=links(
            200,
            {
                "Replay": Follow(
                    "POST /partner/v1/webhook-deliveries/{delivery_id}/replay",
                    {"delivery_id": FIRST},
                ),
            },
        ),
    )
    async def deliveries(
        self,
        state: State,
        principal: Principal,
        webhook_id: str | None = None,
        status: DeliveryStatus | None = None,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
    ) -> list[Delivery]:
        docs = await state.webhooks.list_deliveries(principal.partner_id, webhook_id, status, limit)
        return [delivery_view(doc) for doc in docs]

    @post(
        "/webhook-deliveries/{delivery_id:str}/replay",
        summary="Send a delivery again",
        status_code=202,
        guards=[scope("webhooks:manage")],
    )
    async def replay(self, state: State, principal: Principal, delivery_id: str) -> Delivery:
        doc = await state.webhooks.replay(principal.partner_id, delivery_id)
        if doc is None:
            raise NotFoundException(f"no delivery {delivery_id!r}")
        return delivery_view(doc)
