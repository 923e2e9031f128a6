"""The partner API: webhook subscriptions and their deliveries (each partner sees only its own)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, delete, get, post
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import Parameter
from pymongo.asynchronous.client_session import AsyncClientSession

from omni_gateway.idempotency import Reply, gateway_once, planned
from omni_gateway.security import dependencies as auth
from omni_gateway.security.principals import Principal
from omni_gateway.webhooks.subscriptions import EVENT_TYPES, check_url

Url = Annotated[str, msgspec.Meta(max_length=2000)]
EventType = Annotated[str, msgspec.Meta(max_length=100)]


class NewWebhook(msgspec.Struct, forbid_unknown_fields=True):
    url: Url
    event_types: Annotated[list[EventType], msgspec.Meta(min_length=1, max_length=50)]


class Webhook(msgspec.Struct):
    id: str
    url: str
    event_types: list[str]
    created_at: datetime
    secret: str | None = None  # returned once, at creation


class Attempt(msgspec.Struct):
    at: datetime
    number: int = 0
    status_code: int | None = None
    error: str | None = None
    duration_ms: float | None = None


class Delivery(msgspec.Struct):
    id: str
    webhook_id: str
    event_id: str
    event_type: str
    status: str
    attempts: list[Attempt]
    created_at: datetime


def _webhook(doc: dict[str, Any], with_secret: bool = False) -> Webhook:
    return Webhook(
        doc["_id"],
        doc["url"],
        doc["event_types"],
        doc["created_at"],
        doc["secret"] if with_secret else None,
    )


def _delivery(doc: dict[str, Any]) -> Delivery:
    attempts = [msgspec.convert({k: v for k, v in a.items()}, Attempt) for a in doc["attempts"]]
    return Delivery(
        doc["_id"],
        doc["webhook_id"],
        doc["event_id"],
        doc["event_type"],
        doc["status"],
        attempts,
        doc["created_at"],
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
    )
    async def create(
        self, request: Request[Any, Any, Any], state: State, principal: Principal, data: NewWebhook
    ) -> Response[Any]:
        auth.require_scope(principal, "webhooks:manage")
        settings = state.settings
        reason = check_url(
            data.url,
            allow_http=settings.webhook_allow_http,
            allow_private=settings.webhook_allow_private_networks,
        )
        if reason:
            raise ClientException(
                f"url {reason}",
                status_code=422,
                extra={"errors": [{"field": "url", "message": reason}]},
            )
        unknown = sorted(set(data.event_types) - EVENT_TYPES)
        if unknown:
            raise ClientException(
                f"unknown event type {unknown[0]!r}",
                status_code=422,
                extra={
                    "errors": [
                        {"field": "event_types", "message": "see GET /partner/v1/event-types"}
                    ]
                },
            )

        async def write(session: AsyncClientSession) -> Reply:
            doc = await state.webhooks.register(
                principal.partner_id, data.url, data.event_types, session=session
            )
            return 201, msgspec.to_builtins(_webhook(doc, with_secret=True))

        return await gateway_once(request, state.idempotency, "register_webhook", planned(write))

    @get("/event-types", summary="Event types a webhook can subscribe to")
    async def event_types(self, principal: Principal) -> list[str]:
        return sorted(EVENT_TYPES)

    @get("/webhooks", summary="My webhooks")
    async def list_webhooks(self, state: State, principal: Principal) -> list[Webhook]:
        auth.require_scope(principal, "webhooks:manage")
        return [_webhook(doc) for doc in await state.webhooks.list_for(principal.partner_id)]

    @delete("/webhooks/{webhook_id:str}", summary="Remove a webhook", status_code=204)
    async def remove(self, state: State, principal: Principal, webhook_id: str) -> None:
        auth.require_scope(principal, "webhooks:manage")
        if not await state.webhooks.deactivate(principal.partner_id, webhook_id):
            raise NotFoundException(f"no webhook {webhook_id!r}")

    @get(
        "/webhook-deliveries", summary="Deliveries to my webhooks, newest first, with every attempt"
    )
    async def deliveries(
        self,
        state: State,
        principal: Principal,
        webhook_id: str | None = None,
        status: Annotated[str | None, Parameter(pattern="^(pending|delivered|failed)$")] = None,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
    ) -> list[Delivery]:
        auth.require_scope(principal, "webhooks:manage")
        docs = await state.webhooks.list_deliveries(principal.partner_id, webhook_id, status, limit)
        return [_delivery(doc) for doc in docs]

    @post(
        "/webhook-deliveries/{delivery_id:str}/replay",
        summary="Send a delivery again",
        status_code=202,
    )
    async def replay(self, state: State, principal: Principal, delivery_id: str) -> Delivery:
        auth.require_scope(principal, "webhooks:manage")
        doc = await state.webhooks.replay(principal.partner_id, delivery_id)
        if doc is None:
            raise NotFoundException(f"no delivery {delivery_id!r}")
        return _delivery(doc)
