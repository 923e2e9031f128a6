"""Notifications for staff: message templates and previews (admins); messages to a customer
(consultants and admins send them, any staff may read them)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, delete, get, post
from litestar.datastructures import State
from litestar.di import Provide
from litestar.params import Parameter

from omni.notification.v1 import notification_pb2 as N
from omni_gateway.context import channel_ref
from omni_gateway.downstream import actor_of
from omni_gateway.openapi import ID, Follow, links
from omni_gateway.security import dependencies as auth
from omni_gateway.security.guards import roles
from omni_gateway.security.principals import Channel, Principal, StaffRole
from omni_gateway.views.notification import (
    NOTIFICATION_STATUS,
    MessageBody,
    MessageChannel,
    Notification,
    NotificationPage,
    NotificationStatus,
    PreviewBody,
    RenderedMessage,
    Template,
    TemplateBody,
    TemplatePage,
    contact_channel,
    contact_purpose,
    notification_page,
    notification_view,
    rendered_view,
    template_page,
    template_view,
    variables,
)

PageSize = Annotated[int, Parameter(ge=1, le=200)]
Token = Annotated[str, Parameter(max_length=2000)]
Filter = Annotated[str, Parameter(max_length=200)]
TEMPLATE = {"template_id": ID}


def tagged(template: N.Template) -> Response[Template]:
    """A template with its version as the ETag (what `expected_version` takes)."""
    return Response(template_view(template), headers={"ETag": f'"{template.version}"'})


class Templates(Controller):
    path = "/staff/v1/notification-templates"
    tags = ["notifications"]
    dependencies = {"principal": Provide(auth.staff)}
    guards = [roles(StaffRole.ADMIN)]
    security = [{"bearerAuth": []}]

    @get(
        "/",
        summary="Message templates (admin)",
        opt=links(
            200,
            {
                "GetTemplate": Follow(
                    "GET /staff/v1/notification-templates/{template_id}",
                    {"template_id": "$response.body#/templates/0/id"},
                )
            },
        ),
    )
    async def list_templates(
        self,
        state: State,
        event_type: Filter = "",
        channel: MessageChannel | None = None,
        language: Filter = "",
        page_size: PageSize = 50,
        page_token: Token = "",
    ) -> TemplatePage:
        request = N.ListTemplatesRequest(
            event_type=event_type,
            channel=contact_channel(channel),
            language=language,
            page_size=page_size,
            page_token=page_token,
        )
        reply = await state.downstream.call(
            state.downstream.notification.ListTemplates, request, idempotent=True
        )
        return template_page(reply)

    @post(
        "/",
        summary="Create or replace the template of an event, channel and language (admin)",
        status_code=200,
        opt=links(
            200,
            {
                "GetTemplate": Follow(
                    "GET /staff/v1/notification-templates/{template_id}", TEMPLATE
                ),
                "DeleteTemplate": Follow(
                    "DELETE /staff/v1/notification-templates/{template_id}", TEMPLATE
                ),
            },
        ),
    )
    async def upsert_template(
        self, state: State, principal: Principal, data: TemplateBody
    ) -> Response[Template]:
        request = N.UpsertTemplateRequest(
            template=data.to_proto(),
            expected_version=data.expected_version,
            actor=actor_of(principal),
        )
        reply = await state.downstream.call(
            state.downstream.notification.UpsertTemplate, request, idempotent=False
        )
        return tagged(reply.template)

    @post(
        "/preview",
        summary="Render a stored or inline template with sample variables (admin)",
        status_code=200,
    )
    async def preview(self, state: State, data: PreviewBody) -> RenderedMessage:
        request = N.PreviewTemplateRequest(
            template_id=data.template_id,
            variables=variables(data.variables),
            language=data.language,
        )
        if data.template is not None:
            request.template.CopyFrom(data.template.to_proto())
        reply = await state.downstream.call(
            state.downstream.notification.PreviewTemplate, request, idempotent=True
        )
        return rendered_view(reply.rendered)

    @get("/{template_id:str}", summary="A template (admin); its version as ETag")
    async def template(self, state: State, template_id: str) -> Response[Template]:
        reply = await state.downstream.call(
            state.downstream.notification.GetTemplate,
            N.GetTemplateRequest(template_id=template_id),
            idempotent=True,
        )
        return tagged(reply.template)

    @delete("/{template_id:str}", summary="Delete a template (admin)", status_code=204)
    async def delete_template(self, state: State, principal: Principal, template_id: str) -> None:
        await state.downstream.call(
            state.downstream.notification.DeleteTemplate,
            N.DeleteTemplateRequest(template_id=template_id, actor=actor_of(principal)),
            idempotent=False,
        )


class CustomerMessages(Controller):
    path = "/staff/v1/customers/{profile_id:str}/notifications"
    tags = ["notifications"]
    # Not "channel": the body has a field of that name, and Litestar would blame a bad value in
    # it on the dependency (a 500) instead of the caller (a 4xx).
    dependencies = {"principal": Provide(auth.staff), "source": Provide(auth.staff_channel)}
    security = [{"bearerAuth": []}]

    @post(
        "/",
        summary="Send the customer a message, obeying their consents (consultant, admin)",
        status_code=202,
        guards=[roles(StaffRole.CONSULTANT, StaffRole.ADMIN)],
    )
    async def send(
        self,
        state: State,
        principal: Principal,
        source: Channel,
        profile_id: str,
        data: MessageBody,
    ) -> Notification:
        send = N.SendNotificationRequest(
            customer_id=profile_id,
            purpose=contact_purpose(data.purpose),
            channel=contact_channel(data.channel),
            template_id=data.template_id,
            variables=variables(data.variables),
            subject=data.subject,
            body=data.body,
            urgent=data.urgent,
            actor=actor_of(principal),
            source=channel_ref(source),
        )
        reply = await state.downstream.call(
            state.downstream.notification.SendNotification, send, idempotent=True
        )
        return notification_view(reply.notification)

    @get("/", summary="Messages sent to the customer, newest first")
    async def list_sent(
        self,
        state: State,
        principal: Principal,
        profile_id: str,
        status: NotificationStatus | None = None,
        page_size: PageSize = 50,
        page_token: Token = "",
    ) -> NotificationPage:
        request = N.ListNotificationsRequest(
            customer_id=profile_id, page_size=page_size, page_token=page_token
        )
        if status is not None:
            request.statuses.append(NOTIFICATION_STATUS.number(status))
        reply = await state.downstream.call(
            state.downstream.notification.ListNotifications, request, idempotent=True
        )
        return notification_page(reply)
