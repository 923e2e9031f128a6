"""The NotificationService gRPC servicer: protobuf <-> domain and store."""

from __future__ import annotations

from grpc import aio

from omni.notification.v1 import notification_pb2, notification_pb2_grpc
from omni_kit.errors import Conflict, InvalidArgument, NotFound
from omni_kit.ids import new_id, utcnow
from omni_kit.protos import from_document, to_document
from omni_notification import domain
from omni_notification.store import TemplateStore

KEY_FIELDS = ("event_type", "channel", "language")
ASSIGNED = ("_id", "version", "created_at")


class NotificationApi(notification_pb2_grpc.NotificationServiceServicer):
    def __init__(self, templates: TemplateStore) -> None:
        self.templates = templates

    async def UpsertTemplate(
        self, request: notification_pb2.UpsertTemplateRequest, context: aio.ServicerContext
    ) -> notification_pb2.UpsertTemplateResponse:
        given = request.template
        domain.validate_template(given.event_type, given.channel, given.language, given.body)
        variables: set[str] = set()
        for field in ("subject", "body", "html_body"):
            variables |= domain.template_variables(getattr(given, field), f"template.{field}")
        template = notification_pb2.Template()
        template.CopyFrom(given)
        del template.variables[:]
        template.variables.extend(sorted(variables))
        template.updated_by.CopyFrom(request.actor)
        now = utcnow()
        document = to_document(template)
        fields = {k: v for k, v in document.items() if k not in ASSIGNED}
        fields.update(updated_at=now, created_at=now)
        key = {k: fields.pop(k) for k in KEY_FIELDS}
        stored = await self.templates.upsert(key, fields, new_id("tpl"), request.expected_version)
        if stored is None:
            raise Conflict(
                f"the template changed since version {request.expected_version}; reload it",
                reason="STALE_VERSION",
                field="expected_version",
            )
        return notification_pb2.UpsertTemplateResponse(
            template=from_document(stored, notification_pb2.Template)
        )

    async def GetTemplate(
        self, request: notification_pb2.GetTemplateRequest, context: aio.ServicerContext
    ) -> notification_pb2.GetTemplateResponse:
        if not request.template_id:
            raise InvalidArgument("template_id is required", field="template_id")
        document = await self.templates.get(request.template_id)
        if document is None:
            raise NotFound(
                f"no template with id {request.template_id!r}", reason="TEMPLATE_NOT_FOUND"
            )
        return notification_pb2.GetTemplateResponse(
            template=from_document(document, notification_pb2.Template)
        )
