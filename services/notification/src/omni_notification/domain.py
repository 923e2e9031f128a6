"""Notification rules: what a valid template is. Pure: no I/O, no framework."""

from __future__ import annotations

import re

from jinja2 import TemplateSyntaxError, meta
from jinja2.sandbox import SandboxedEnvironment

from omni.common.v1 import common_pb2
from omni_kit.errors import InvalidArgument

LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
DELIVERY_CHANNELS = {
    common_pb2.CONTACT_CHANNEL_EMAIL,
    common_pb2.CONTACT_CHANNEL_SMS,
    common_pb2.CONTACT_CHANNEL_PUSH,
    common_pb2.CONTACT_CHANNEL_MESSENGER,
}

_environment = SandboxedEnvironment(autoescape=False)


def template_variables(source: str, field: str) -> set[str]:
    """The variables a template reads; a syntax error is refused at save, not at send."""
    try:
        return set(meta.find_undeclared_variables(_environment.parse(source)))
    except TemplateSyntaxError as error:
        raise InvalidArgument(
            f"{field} has a template error on line {error.lineno}: {error.message}", field=field
        ) from None


def validate_template(event_type: str, channel: int, language: str, body: str) -> None:
    if not event_type:
        raise InvalidArgument("event_type is required", field="template.event_type")
    if channel not in DELIVERY_CHANNELS:
        raise InvalidArgument(
            "channel must be EMAIL, SMS, PUSH or MESSENGER", field="template.channel"
        )
    if not LANGUAGE.match(language):
        raise InvalidArgument(
            f"language {language!r} must be a BCP 47 tag like 'en' or 'pt-BR'",
            field="template.language",
        )
    if not body.strip():
        raise InvalidArgument("body is required", field="template.body")
