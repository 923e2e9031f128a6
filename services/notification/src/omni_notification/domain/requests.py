"""What a valid request is, before anything is looked up or written."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from omni.common.v1 import common_pb2
from omni.notification.v1 import notification_pb2
from omni_kit.errors import InvalidArgument
from omni_notification.domain import registry
from omni_notification.domain.templates import DELIVERY_CHANNELS, LIMITS

PURPOSES = (common_pb2.CONTACT_PURPOSE_TRANSACTIONAL, common_pb2.CONTACT_PURPOSE_MARKETING)
RECEIPT_OUTCOMES = (
    notification_pb2.DELIVERY_OUTCOME_ACCEPTED,
    notification_pb2.DELIVERY_OUTCOME_DELIVERED,
    notification_pb2.DELIVERY_OUTCOME_FAILED,
)
MAX_ID = 200


def required(value: str, field: str) -> None:
    if not value.strip():
        raise InvalidArgument(f"{field} is required", field=field)
    if len(value) > MAX_ID:
        raise InvalidArgument(f"{field} is longer than {MAX_ID} characters", field=field)


def contact_channel(value: int, field: str) -> None:
    if value and value not in DELIVERY_CHANNELS:
        raise InvalidArgument(
            f"{field} must be EMAIL, SMS, PUSH or MESSENGER (or unset for the customer's "
            "preferred one)",
            field=field,
        )


def check_send(request: notification_pb2.SendNotificationRequest) -> None:
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


def check_send_template(
    request: notification_pb2.SendNotificationRequest, template: notification_pb2.Template
) -> None:
    if (
        template.purpose == common_pb2.CONTACT_PURPOSE_MARKETING
        and request.purpose != common_pb2.CONTACT_PURPOSE_MARKETING
    ):
        raise InvalidArgument(
            "the template is a marketing template: purpose must be MARKETING", field="purpose"
        )


def staff_variables_needed(template: notification_pb2.Template) -> set[str]:
    """What the staff request must provide: everything but the customer's name."""
    return set(template.variables) - {"customer_name"}


def check_subscription(request: notification_pb2.CreateBackInStockSubscriptionRequest) -> None:
    required(request.customer_id, "customer_id")
    required(request.sku, "sku")
    if len(request.location_id) > MAX_ID:
        raise InvalidArgument(
            f"location_id is longer than {MAX_ID} characters", field="location_id"
        )
    if request.channel.channel == common_pb2.SALES_CHANNEL_UNSPECIFIED:
        raise InvalidArgument(
            "channel.channel is required: the sales channel whose listing must be published",
            field="channel.channel",
        )
    if (
        request.channel.channel == common_pb2.SALES_CHANNEL_MARKETPLACE
        and not request.channel.partner_id
    ):
        raise InvalidArgument(
            "channel.partner_id is required for the marketplace channel",
            field="channel.partner_id",
        )
    contact_channel(request.contact_channel, "contact_channel")


def check_receipt(request: notification_pb2.RecordDeliveryReceiptRequest) -> None:
    required(request.provider, "provider")
    required(request.provider_message_id, "provider_message_id")
    if request.outcome not in RECEIPT_OUTCOMES:
        raise InvalidArgument("outcome must be ACCEPTED, DELIVERED or FAILED", field="outcome")


def check_event_type_filter(event_type: str) -> None:
    if event_type and registry.event_type(event_type) is None:
        raise InvalidArgument(f"unknown event_type {event_type!r}", field="event_type")
