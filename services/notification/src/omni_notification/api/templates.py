"""Template RPCs: save (validated), read, list, delete, preview."""

from __future__ import annotations

import dataclasses
from typing import Any

from google.protobuf import json_format
from grpc import aio

from omni.notification.v1 import notification_pb2
from omni_kit import paging
from omni_kit.errors import Conflict, InvalidArgument, NotFound
from omni_kit.idempotency import Work
from omni_kit.ids import new_id, utcnow
from omni_kit.runtime import Infrastructure
from omni_notification.api import messages
from omni_notification.domain import templates
from omni_notification.domain.common import Actor, ContactChannel
from omni_notification.domain.templates import Template
from omni_notification.store import TemplateStore


class TemplateRpcs:
    infra: Infrastructure
    templates: TemplateStore
    fallback_language: str

    async def stored_template(self, template_id: str) -> Template:
        if not template_id:
            raise InvalidArgument("template_id is required", field="template_id")
        template = await self.templates.get(template_id)
        if template is None:
            raise NotFound(f"no template with id {template_id!r}", reason="TEMPLATE_NOT_FOUND")
        return template

    async def resolve_template(
        self, event_type: str, channel: ContactChannel, language: str
    ) -> Template | None:
        """The template for the event and channel in `language`, else its base, else fallback."""
        return await self.templates.find(
            event_type, channel, templates.language_candidates(language, self.fallback_language)
        )

    async def UpsertTemplate(
        self, request: notification_pb2.UpsertTemplateRequest, context: aio.ServicerContext
    ) -> notification_pb2.UpsertTemplateResponse:
        return await self.infra.idempotency.run(
            context,
            request,
            notification_pb2.UpsertTemplateResponse,
            lambda: self.plan_template_upsert(
                messages.template_from_message(request.template),
                request.expected_version,
                messages.actor_from_message(request.actor),
            ),
        )

    async def plan_template_upsert(
        self, given: Template, expected_version: int, actor: Actor
    ) -> Work[notification_pb2.UpsertTemplateResponse]:
        """Check a template and return the write that saves it (also the service's own seed)."""
        if expected_version < 0:
            raise InvalidArgument("expected_version must not be negative", field="expected_version")
        template = dataclasses.replace(templates.check_template(given), updated_by=actor)
        template_id = new_id("tpl")

        async def write(session: Any) -> notification_pb2.UpsertTemplateResponse:
            stored = await self.templates.upsert(
                template, template_id, utcnow(), expected_version, session
            )
            if stored is None:
                raise Conflict(
                    f"the template changed since version {expected_version}; reload it",
                    reason="STALE_VERSION",
                    field="expected_version",
                )
            return notification_pb2.UpsertTemplateResponse(
                template=messages.template_message(stored)
            )

        return write

    async def GetTemplate(
        self, request: notification_pb2.GetTemplateRequest, context: aio.ServicerContext
    ) -> notification_pb2.GetTemplateResponse:
        return notification_pb2.GetTemplateResponse(
            template=messages.template_message(await self.stored_template(request.template_id))
        )

    async def ListTemplates(
        self, request: notification_pb2.ListTemplatesRequest, context: aio.ServicerContext
    ) -> notification_pb2.ListTemplatesResponse:
        size = paging.page_size(request.page_size)
        after = paging.decode_cursor(request.page_token, 1, kinds=(str,))
        query: dict[str, Any] = {}
        if request.event_type:
            query["event_type"] = request.event_type
        if channel := messages.contact_channel(request.channel, "channel"):
            query["channel"] = channel.value
        if request.language:
            query["language"] = templates.normalize_language(request.language)
        found = await self.templates.page(query, after[0] if after else None, size + 1)
        reply = notification_pb2.ListTemplatesResponse(
            templates=[messages.template_message(template) for template in found[:size]]
        )
        if len(found) > size:
            reply.next_page_token = paging.encode_cursor([found[size - 1].id])
        return reply

    async def DeleteTemplate(
        self, request: notification_pb2.DeleteTemplateRequest, context: aio.ServicerContext
    ) -> notification_pb2.DeleteTemplateResponse:
        if not request.template_id:
            raise InvalidArgument("template_id is required", field="template_id")

        async def write(session: Any) -> notification_pb2.DeleteTemplateResponse:
            if not await self.templates.delete(request.template_id, session):
                raise NotFound(
                    f"no template with id {request.template_id!r}", reason="TEMPLATE_NOT_FOUND"
                )
            return notification_pb2.DeleteTemplateResponse()

        async def plan() -> Work[notification_pb2.DeleteTemplateResponse]:
            return write

        return await self.infra.idempotency.run(
            context, request, notification_pb2.DeleteTemplateResponse, plan
        )

    async def PreviewTemplate(
        self, request: notification_pb2.PreviewTemplateRequest, context: aio.ServicerContext
    ) -> notification_pb2.PreviewTemplateResponse:
        variables = json_format.MessageToDict(request.variables)
        if request.template_id and request.HasField("template"):
            raise InvalidArgument(
                "give either template_id or an inline template, not both", field="template_id"
            )
        if request.HasField("template"):
            template = templates.check_template(messages.template_from_message(request.template))
        else:
            template = await self.stored_template(request.template_id)
            language = request.language or template.language
            if template.channel is not None:
                found = await self.resolve_template(template.event_type, template.channel, language)
                template = found or template
        return notification_pb2.PreviewTemplateResponse(
            rendered=messages.rendered_message(templates.render(template, variables))
        )
