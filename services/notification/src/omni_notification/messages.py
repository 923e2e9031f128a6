"""The message for one channel: a staff member's free text, or the event's template in the
customer's language (falling back), rendered with the customer's name and time zone and, for a
message about a store, the store's name, address and hours from the service's own copy of
locations (the pickup deadline in the store's time zone), worded in the template's language."""

from __future__ import annotations

from typing import Any

from omni.common.v1 import common_pb2
from omni.customer.v1 import customer_pb2
from omni.notification.v1 import notification_pb2 as N
from omni_kit.errors import InvalidArgument
from omni_kit.ids import utcnow
from omni_kit.protos import from_document
from omni_notification.domain import places, templates
from omni_notification.store import LocationStore, TemplateStore


class Unrenderable(Exception):
    """No message can be made for this channel (no template, or the template fails)."""


class Messages:
    def __init__(
        self, template_store: TemplateStore, locations: LocationStore, fallback_language: str
    ) -> None:
        self.templates = template_store
        self.locations = locations
        self.fallback_language = fallback_language

    async def render(
        self,
        document: dict[str, Any],
        channel: common_pb2.ContactChannel.ValueType,
        permission: customer_pb2.ContactPermission,
    ) -> tuple[N.RenderedMessage, N.Template]:
        """The message for this channel, and the template it came from (none for free text)."""
        language = permission.language or self.fallback_language
        text = document.get("text")
        if text is not None:
            subject = text["subject"] if channel in templates.SUBJECT_CHANNELS else ""
            message = N.RenderedMessage(
                channel=channel, language=language, subject=subject, body=text["body"]
            )
            return message, N.Template()
        found = await self.templates.find(
            document["event_type"],
            channel,
            templates.language_candidates(language, self.fallback_language),
        )
        if found is None:
            name = templates.channel_name(channel)
            raise Unrenderable(f"no {name} template for {document['event_type']}")
        template = from_document(found, N.Template)
        variables = {**document.get("variables", {}), "customer_name": permission.display_name}
        variables = await self._with_store(variables, template.language)
        try:
            variables = templates.localize(variables, permission.time_zone)
            return templates.render(template, variables), template
        except InvalidArgument as error:
            raise Unrenderable(error.message) from None

    async def _with_store(self, variables: dict[str, Any], language: str) -> dict[str, Any]:
        found = await self.locations.get(variables.get("store_id") or "")
        return places.with_store(variables, found, language, utcnow())
