"""Notification routes: templates and previews (admins), messages to a customer (consultants,
admins; any staff may read them), and a customer's own back-in-stock subscriptions.
Every object is checked against the caller, not just the route (OWASP API1)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from google.protobuf import struct_pb2
from litestar import Controller, Request, Response, delete, get, post
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import NotFoundException, ValidationException
from litestar.params import Parameter

from omni.common.v1 import common_pb2
from omni.notification.v1 import notification_pb2 as N
from omni_gateway.context import SALES_CHANNELS
from omni_gateway.downstream import actor_of
from omni_gateway.resources import INT64_MAX, as_json, list_page
from omni_gateway.security import dependencies as auth
from omni_gateway.security.principals import Channel, Principal, StaffRole

ContactChannel = Literal["email", "sms", "push", "messenger"]
Purpose = Literal["transactional", "marketing"]
Text = Annotated[str, msgspec.Meta(max_length=20_000)]
Id = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
PageSize = Annotated[int, Parameter(ge=1, le=200)]
Token = Annotated[str, Parameter(max_length=2000)]
Filter = Annotated[str, Parameter(max_length=200)]

CHANNELS = {
    "email": common_pb2.CONTACT_CHANNEL_EMAIL,
    "sms": common_pb2.CONTACT_CHANNEL_SMS,
    "push": common_pb2.CONTACT_CHANNEL_PUSH,
    "messenger": common_pb2.CONTACT_CHANNEL_MESSENGER,
}
PURPOSES = {
    "transactional": common_pb2.CONTACT_PURPOSE_TRANSACTIONAL,
    "marketing": common_pb2.CONTACT_PURPOSE_MARKETING,
}
SUBSCRIPTION_STATUSES = {
    "active": N.SUBSCRIPTION_STATUS_ACTIVE,
    "notified": N.SUBSCRIPTION_STATUS_NOTIFIED,
    "cancelled": N.SUBSCRIPTION_STATUS_CANCELLED,
}
NOTIFICATION_STATUSES = {
    name.removeprefix("NOTIFICATION_STATUS_").lower(): value
    for name, value in N.NotificationStatus.items()
    if value
}


class TemplateBody(msgspec.Struct, forbid_unknown_fields=True):
    event_type: Id
    channel: ContactChannel
    language: Annotated[str, msgspec.Meta(min_length=2, max_length=35)]
    body: Text
    subject: Annotated[str, msgspec.Meta(max_length=500)] = ""
    html_body: Annotated[str, msgspec.Meta(max_length=200_000)] = ""
    purpose: Purpose | None = None
    urgent: bool = False
    expected_version: Annotated[int, msgspec.Meta(ge=0, le=INT64_MAX)] = 0

    def to_proto(self) -> N.Template:
        return N.Template(
            event_type=self.event_type,
            channel=CHANNELS[self.channel],
            language=self.language,
            subject=self.subject,
            body=self.body,
            html_body=self.html_body,
            purpose=PURPOSES[self.purpose] if self.purpose else 0,
            urgent=self.urgent,
        )


class PreviewBody(msgspec.Struct, forbid_unknown_fields=True):
    template_id: str = ""
    template: TemplateBody | None = None
    variables: dict[str, Any] = {}
    language: str = ""


class MessageBody(msgspec.Struct, forbid_unknown_fields=True):
    purpose: Purpose = "transactional"
    channel: ContactChannel | None = None
    template_id: str = ""
    variables: dict[str, Any] = {}
    subject: Annotated[str, msgspec.Meta(max_length=500)] = ""
    body: Text = ""
    urgent: bool = False


class SubscriptionBody(msgspec.Struct, forbid_unknown_fields=True):
    sku: Id
    location_id: Annotated[str, msgspec.Meta(max_length=200)] = ""
    contact_channel: ContactChannel | None = None


def struct(values: dict[str, Any]) -> struct_pb2.Struct:
    result = struct_pb2.Struct()
    try:
        result.update(values)
    except OverflowError:  # a JSON integer too large for a protobuf number (a double)
        raise ValidationException(
            "variables hold a number too large",
            extra=[{"key": "variables", "message": "numbers must fit a double"}],
        ) from None
    return result


class Templates(Controller):
    path = "/staff/v1/notification-templates"
    tags = ["notifications"]
    dependencies = {"principal": Provide(auth.staff)}
    security = [{"bearerAuth": []}]

    @get("/", summary="Message templates (admin)")
    async def list_templates(
        self,
        state: State,
        principal: Principal,
        event_type: Filter = "",
        channel: ContactChannel | None = None,
        language: Filter = "",
        page_size: PageSize = 50,
        page_token: Token = "",
    ) -> dict[str, Any]:
        auth.require_roles(principal, StaffRole.ADMIN)
        request = N.ListTemplatesRequest(
            event_type=event_type,
            channel=CHANNELS[channel] if channel else 0,
            language=language,
            page_size=page_size,
            page_token=page_token,
        )
        reply = await state.downstream.call(
            state.downstream.notification.ListTemplates, request, idempotent=True
        )
        return list_page(reply, "templates")

    @post(
        "/",
        summary="Create or replace the template of an event, channel and language (admin)",
        status_code=200,
    )
    async def upsert_template(
        self, state: State, principal: Principal, data: TemplateBody
    ) -> dict[str, Any]:
        auth.require_roles(principal, StaffRole.ADMIN)
        request = N.UpsertTemplateRequest(
            template=data.to_proto(),
            expected_version=data.expected_version,
            actor=actor_of(principal),
        )
        reply = await state.downstream.call(
            state.downstream.notification.UpsertTemplate, request, idempotent=False
        )
        return as_json(reply.template)

    @post(
        "/preview",
        summary="Render a stored or inline template with sample variables (admin)",
        status_code=200,
    )
    async def preview(
        self, state: State, principal: Principal, data: PreviewBody
    ) -> dict[str, Any]:
        auth.require_roles(principal, StaffRole.ADMIN)
        request = N.PreviewTemplateRequest(
            template_id=data.template_id, variables=struct(data.variables), language=data.language
        )
        if data.template is not None:
            request.template.CopyFrom(data.template.to_proto())
        reply = await state.downstream.call(
            state.downstream.notification.PreviewTemplate, request, idempotent=True
        )
        return as_json(reply.rendered)

    @get("/{template_id:str}", summary="A template (admin)")
    async def template(
        self, state: State, principal: Principal, template_id: str
    ) -> dict[str, Any]:
        auth.require_roles(principal, StaffRole.ADMIN)
        reply = await state.downstream.call(
            state.downstream.notification.GetTemplate,
            N.GetTemplateRequest(template_id=template_id),
            idempotent=True,
        )
        return as_json(reply.template)

    @delete("/{template_id:str}", summary="Delete a template (admin)", status_code=204)
    async def delete_template(self, state: State, principal: Principal, template_id: str) -> None:
        auth.require_roles(principal, StaffRole.ADMIN)
        await state.downstream.call(
            state.downstream.notification.DeleteTemplate,
            N.DeleteTemplateRequest(template_id=template_id, actor=actor_of(principal)),
            idempotent=False,
        )


class CustomerMessages(Controller):
    path = "/staff/v1/customers"
    tags = ["notifications"]
    # Not "channel": the body has a field of that name, and Litestar would blame a bad value in
    # it on the dependency (a 500) instead of the caller (a 4xx).
    dependencies = {"principal": Provide(auth.staff), "source": Provide(auth.staff_channel)}
    security = [{"bearerAuth": []}]

    @post(
        "/{profile_id:str}/notifications",
        summary="Send the customer a message, obeying their consents (consultant, admin)",
        status_code=202,
    )
    async def send(
        self,
        request: Request[Any, Any, Any],
        state: State,
        principal: Principal,
        source: Channel,
        profile_id: str,
        data: MessageBody,
    ) -> Response[Any]:
        auth.require_roles(principal, StaffRole.CONSULTANT, StaffRole.ADMIN)
        send = N.SendNotificationRequest(
            customer_id=profile_id,
            purpose=PURPOSES[data.purpose],
            channel=CHANNELS[data.channel] if data.channel else 0,
            template_id=data.template_id,
            variables=struct(data.variables),
            subject=data.subject,
            body=data.body,
            urgent=data.urgent,
            actor=actor_of(principal),
            source=common_pb2.ChannelRef(channel=SALES_CHANNELS[source]),
        )

        reply = await state.downstream.call(
            state.downstream.notification.SendNotification, send, idempotent=True
        )
        return Response(as_json(reply.notification), status_code=202)

    @get("/{profile_id:str}/notifications", summary="Messages sent to the customer, newest first")
    async def list_sent(
        self,
        state: State,
        principal: Principal,
        profile_id: str,
        status: Filter | None = None,
        page_size: PageSize = 50,
        page_token: Token = "",
    ) -> dict[str, Any]:
        request = N.ListNotificationsRequest(
            customer_id=profile_id, page_size=page_size, page_token=page_token
        )
        if status is not None:
            request.statuses.append(_choice(NOTIFICATION_STATUSES, status, "status"))
        reply = await state.downstream.call(
            state.downstream.notification.ListNotifications, request, idempotent=True
        )
        return list_page(reply, "notifications")


class MySubscriptions(Controller):
    path = "/api/v1/me/back-in-stock-subscriptions"
    tags = ["notifications"]
    dependencies = {"principal": Provide(auth.customer), "source": Provide(auth.frontend_channel)}
    security = [{"bearerAuth": []}]

    @post("/", summary="Tell me when a SKU is back in stock (optionally at one store)")
    async def subscribe(
        self, state: State, principal: Principal, source: Channel, data: SubscriptionBody
    ) -> Response[Any]:
        reply = await state.downstream.call(
            state.downstream.notification.CreateBackInStockSubscription,
            N.CreateBackInStockSubscriptionRequest(
                customer_id=principal.id,
                sku=data.sku,
                location_id=data.location_id,
                channel=common_pb2.ChannelRef(channel=SALES_CHANNELS[source]),
                contact_channel=CHANNELS[data.contact_channel] if data.contact_channel else 0,
            ),
            # One active subscription per SKU and store: repeating the call changes nothing.
            idempotent=True,
        )
        return Response(as_json(reply.subscription), status_code=201)

    @get("/", summary="My back-in-stock subscriptions, newest first")
    async def mine(
        self,
        state: State,
        principal: Principal,
        status: Filter | None = None,
        page_size: PageSize = 50,
        page_token: Token = "",
    ) -> dict[str, Any]:
        request = N.ListBackInStockSubscriptionsRequest(
            customer_id=principal.id, page_size=page_size, page_token=page_token
        )
        if status is not None:
            request.statuses.append(_choice(SUBSCRIPTION_STATUSES, status, "status"))
        reply = await state.downstream.call(
            state.downstream.notification.ListBackInStockSubscriptions, request, idempotent=True
        )
        return list_page(reply, "subscriptions")

    @get("/{subscription_id:str}", summary="One of my subscriptions")
    async def one(self, state: State, principal: Principal, subscription_id: str) -> dict[str, Any]:
        return as_json(await _own_subscription(state, principal, subscription_id))

    @delete("/{subscription_id:str}", summary="Cancel one of my subscriptions", status_code=200)
    async def cancel(
        self, state: State, principal: Principal, subscription_id: str
    ) -> dict[str, Any]:
        await _own_subscription(state, principal, subscription_id)
        reply = await state.downstream.call(
            state.downstream.notification.CancelBackInStockSubscription,
            N.CancelBackInStockSubscriptionRequest(
                subscription_id=subscription_id, actor=actor_of(principal)
            ),
            idempotent=False,
        )
        return as_json(reply.subscription)


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


def _choice(choices: dict[str, int], value: str, field: str) -> int:
    if value not in choices:
        raise ValidationException(
            f"unknown {field} {value!r}",
            extra=[{"key": field, "message": f"must be one of: {', '.join(choices)}"}],
        )
    return choices[value]


PUBLIC_ROUTES: list[Any] = [Templates, CustomerMessages, MySubscriptions]
PARTNER_ROUTES: list[Any] = []
