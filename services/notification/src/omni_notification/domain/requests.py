"""What a valid request is, before anything is looked up or written."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from omni_kit.errors import InvalidArgument
from omni_notification.domain import registry
from omni_notification.domain.common import (
    Actor,
    ChannelRef,
    ContactChannel,
    ContactPurpose,
    SalesChannel,
)
from omni_notification.domain.notifications import DeliveryOutcome
from omni_notification.domain.templates import DELIVERY_CHANNELS, LIMITS, Template

PURPOSES = (ContactPurpose.TRANSACTIONAL, ContactPurpose.MARKETING)
RECEIPT_OUTCOMES = (DeliveryOutcome.ACCEPTED, DeliveryOutcome.DELIVERED, DeliveryOutcome.FAILED)
MAX_ID = 200


@dataclass(frozen=True)
class StaffSend:
    """A staff member's message to a customer: a template with variables, or free text."""

    customer_id: str
    purpose: ContactPurpose | None
    # None: the customer's preferred allowed channel, with fallback.
    channel: ContactChannel | None
    template_id: str = ""
    subject: str = ""
    body: str = ""
    urgent: bool = False
    actor: Actor = field(default_factory=Actor)


@dataclass(frozen=True)
class NewSubscription:
    customer_id: str
    sku: str
    location_id: str
    channel: ChannelRef
    contact_channel: ContactChannel | None


@dataclass(frozen=True)
class Receipt:
    """A provider's word on a message it took."""

    provider: str
    provider_message_id: str
    outcome: DeliveryOutcome | None
    error: str = ""
    at: datetime | None = None


def required(value: str, field: str) -> None:
    if not value.strip():
        raise InvalidArgument(f"{field} is required", field=field)
    if len(value) > MAX_ID:
        raise InvalidArgument(f"{field} is longer than {MAX_ID} characters", field=field)


def contact_channel(value: ContactChannel | None, field: str) -> None:
    if value is not None and value not in DELIVERY_CHANNELS:
        raise InvalidArgument(
            f"{field} must be EMAIL, SMS, PUSH or MESSENGER (or unset for the customer's "
            "preferred one)",
            field=field,
        )


def check_send(request: StaffSend) -> None:
    required(request.customer_id, "customer_id")
    if request.purpose not in PURPOSES:
        raise InvalidArgument("purpose must be TRANSACTIONAL or MARKETING", field="purpose")
    contact_channel(request.channel, "channel")
    if request.template_id and (request.subject or request.body):
        raise InvalidArgument(
            "give either template_id or subject and body, not both", field="template_id"
        )
    if not request.template_id and not request.body.strip():
        raise InvalidArgument("body is required when no template_id is given", field="body")
    for name in ("subject", "body"):
        if len(getattr(request, name)) > LIMITS[name]:
            raise InvalidArgument(f"{name} is longer than {LIMITS[name]} characters", field=name)


def check_variables(variables: Mapping[str, Any], field: str = "variables") -> None:
    """Variables are stored as a document, and no document key may hold the NUL character."""
    pending: list[Any] = [variables]
    while pending:
        value = pending.pop()
        if isinstance(value, Mapping):
            for key, item in value.items():
                if "\x00" in key:
                    raise InvalidArgument(
                        f"variable names must not contain the NUL character: {key!r}", field=field
                    )
                pending.append(item)
        elif isinstance(value, list):
            pending.extend(value)


def check_send_template(purpose: ContactPurpose | None, template: Template) -> None:
    if template.purpose is ContactPurpose.MARKETING and purpose is not ContactPurpose.MARKETING:
        raise InvalidArgument(
            "the template is a marketing template: purpose must be MARKETING", field="purpose"
        )


def staff_variables_needed(template: Template) -> set[str]:
    """What the staff request must provide: everything but the customer's name."""
    return set(template.variables) - {"customer_name"}


def check_subscription(request: NewSubscription) -> None:
    required(request.customer_id, "customer_id")
    required(request.sku, "sku")
    if len(request.location_id) > MAX_ID:
        raise InvalidArgument(
            f"location_id is longer than {MAX_ID} characters", field="location_id"
        )
    if request.channel.channel is None:
        raise InvalidArgument(
            "channel.channel is required: the sales channel whose listing must be published",
            field="channel.channel",
        )
    if request.channel.channel is SalesChannel.MARKETPLACE and not request.channel.partner_id:
        raise InvalidArgument(
            "channel.partner_id is required for the marketplace channel",
            field="channel.partner_id",
        )
    contact_channel(request.contact_channel, "contact_channel")


def check_receipt(request: Receipt) -> None:
    required(request.provider, "provider")
    required(request.provider_message_id, "provider_message_id")
    if request.outcome not in RECEIPT_OUTCOMES:
        raise InvalidArgument("outcome must be ACCEPTED, DELIVERED or FAILED", field="outcome")


def check_event_type_filter(event_type: str) -> None:
    if event_type and registry.event_type(event_type) is None:
        raise InvalidArgument(f"unknown event_type {event_type!r}", field="event_type")
