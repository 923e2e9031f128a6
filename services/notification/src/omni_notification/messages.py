"""The message for one channel: a staff member's free text, or the event's template in the
customer's language (falling back), rendered with the customer's name and time zone and, for a
message about a store, the store's name, address and hours from the service's own copy of
locations (the pickup deadline in the store's time zone), worded in the template's language."""

from __future__ import annotations

from typing import Any

from omni_kit.errors import InvalidArgument
from omni_kit.ids import utcnow
from omni_notification.domain import places, templates
from omni_notification.domain.common import ContactChannel
from omni_notification.domain.notifications import Notification
from omni_notification.domain.routing import Permission
from omni_notification.domain.templates import Rendered, Template
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
        self, notification: Notification, channel: ContactChannel, permission: Permission
    ) -> tuple[Rendered, Template]:
        """The message for this channel, and the template it came from (none for free text)."""
        language = permission.language or self.fallback_language
        text = notification.text
        if text is not None:
            subject = text.subject if channel in templates.SUBJECT_CHANNELS else ""
            message = Rendered(channel, language, subject=subject, body=text.body)
            return message, Template()
        template = await self.templates.find(
            notification.event_type,
            channel,
            templates.language_candidates(language, self.fallback_language),
        )
        if template is None:
            raise Unrenderable(f"no {channel.label} template for {notification.event_type}")
        variables = {**notification.variables, "customer_name": permission.display_name}
        variables = await self._with_store(variables, template.language)
        try:
            variables = templates.localize(variables, permission.time_zone)
            return templates.render(template, variables), template
        except InvalidArgument as error:
            raise Unrenderable(error.message) from None

    async def _with_store(self, variables: dict[str, Any], language: str) -> dict[str, Any]:
        found = await self.locations.get(variables.get("store_id") or "")
        return places.with_store(variables, found, language, utcnow())
