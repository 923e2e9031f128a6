"""A partner's webhooks and the deliveries to them, with the outcome of each try. A webhook's
signing secret is shown once, in the reply that registers it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

import msgspec

from omni_gateway.views.common import View

Url = Annotated[str, msgspec.Meta(max_length=2000)]
EventType = Annotated[str, msgspec.Meta(max_length=100)]


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class NewWebhook(View):
    url: Url
    event_types: Annotated[list[EventType], msgspec.Meta(min_length=1, max_length=50)]


class Webhook(View):
    id: str
    url: str
    event_types: list[str]
    created_at: datetime


class RegisteredWebhook(Webhook):
    """A new webhook: `secret` signs its deliveries, shown this once."""

    secret: str


class DeliveryTry(View):
    """One POST to the webhook's URL: the HTTP status it answered, or why it did not."""

    at: datetime
    number: int = 0
    status_code: int | None = None
    error: str | None = None
    duration_ms: float | None = None


class Delivery(View):
    id: str
    webhook_id: str
    event_id: str
    event_type: str
    status: DeliveryStatus
    tries: list[DeliveryTry]
    created_at: datetime


def webhook_view(doc: dict[str, Any]) -> Webhook:
    return Webhook(doc["_id"], doc["url"], doc["event_types"], doc["created_at"])


def registered_webhook(doc: dict[str, Any]) -> RegisteredWebhook:
    return RegisteredWebhook(
        doc["_id"], doc["url"], doc["event_types"], doc["created_at"], doc["secret"]
    )


def delivery_view(doc: dict[str, Any]) -> Delivery:
    return Delivery(
        id=doc["_id"],
        webhook_id=doc["webhook_id"],
        event_id=doc["event_id"],
        event_type=doc["event_type"],
        status=DeliveryStatus(doc["status"]),
        tries=msgspec.convert(doc["attempts"], list[DeliveryTry]),
        created_at=doc["created_at"],
    )
