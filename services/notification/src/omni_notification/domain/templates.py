"""Templates: what a valid one is, which variables it reads, how it renders, which language.

Jinja2 runs sandboxed (templates are written by staff, not by developers) with StrictUndefined,
so a missing value is an error instead of an empty hole in a customer's message.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, UndefinedError, meta
from jinja2.sandbox import SandboxedEnvironment

from omni_kit import timezones
from omni_kit.errors import InvalidArgument
from omni_notification.domain import registry
from omni_notification.domain.common import Actor, ContactChannel, ContactPurpose

LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
DELIVERY_CHANNELS = (
    ContactChannel.EMAIL,
    ContactChannel.SMS,
    ContactChannel.PUSH,
    ContactChannel.MESSENGER,
)
SUBJECT_CHANNELS = (ContactChannel.EMAIL, ContactChannel.PUSH)
TEXT_FIELDS = ("subject", "body", "html_body")
LIMITS = {"subject": 500, "body": 20_000, "html_body": 200_000}

_text = SandboxedEnvironment(
    autoescape=False, undefined=StrictUndefined, keep_trailing_newline=True
)
_html = SandboxedEnvironment(autoescape=True, undefined=StrictUndefined, keep_trailing_newline=True)


class MissingVariable(InvalidArgument):
    default_reason = "MISSING_VARIABLE"


@dataclass(frozen=True)
class Template:
    """A message template (Jinja2, sandboxed) for one event type, channel and language."""

    event_type: str = ""
    channel: ContactChannel | None = None
    language: str = ""
    subject: str = ""
    body: str = ""
    html_body: str = ""
    # None until saved: then the event type's purpose unless given.
    purpose: ContactPurpose | None = None
    # Ignores quiet hours (e.g. "ready for pickup").
    urgent: bool = False
    # The variables the template uses, listed when it is checked.
    variables: tuple[str, ...] = ()
    # Assigned by the store.
    id: str = ""
    version: int = 0
    updated_by: Actor | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class Rendered:
    """A message ready for one channel, in the language actually used."""

    channel: ContactChannel | None
    language: str
    subject: str = ""
    body: str = ""
    html_body: str = ""


def normalize_language(tag: str) -> str:
    """BCP 47 casing: "PT-br" -> "pt-BR", "zh-hant" -> "zh-Hant"."""
    primary, *rest = tag.split("-")
    parts = [primary.lower()]
    for part in rest:
        if len(part) == 2 and part.isalpha():
            parts.append(part.upper())
        elif len(part) == 4 and part.isalpha():
            parts.append(part.title())
        else:
            parts.append(part.lower())
    return "-".join(parts)


def language_candidates(language: str, fallback: str) -> list[str]:
    """The languages to look for, best first: "pt-BR" -> ["pt-BR", "pt", fallback]."""
    candidates: list[str] = []
    if language and LANGUAGE.match(language):
        tag = normalize_language(language)
        candidates.append(tag)
        base = tag.split("-")[0]
        if base != tag:
            candidates.append(base)
    fallback = normalize_language(fallback)
    if fallback not in candidates:
        candidates.append(fallback)
    return candidates


def used_variables(source: str, field: str) -> set[str]:
    """The variables a template reads; a syntax error (or unknown filter) is refused at save."""
    try:
        return set(_variables_of(source))
    except TemplateSyntaxError as error:
        raise InvalidArgument(
            f"{field} has a template error on line {error.lineno}: {error.message}",
            reason="TEMPLATE_SYNTAX_ERROR",
            field=field,
        ) from None


@functools.lru_cache(maxsize=512)
def _variables_of(source: str) -> frozenset[str]:
    """Parsed and compiled once per text: every start checks the 48 built-in templates twice."""
    tree = _text.parse(source)
    _text.compile(tree)
    return frozenset(meta.find_undeclared_variables(tree))


def check_template(given: Template) -> Template:
    """A validated copy of a template to save, with its language normalized, its purpose
    defaulted from the event type and its `variables` listed."""
    if not given.event_type:
        raise InvalidArgument("event_type is required", field="template.event_type")
    kind = registry.event_type(given.event_type)
    if kind is None:
        raise InvalidArgument(
            f"unknown event_type {given.event_type!r}; expected one of "
            + ", ".join(registry.known_names()),
            reason="UNKNOWN_EVENT_TYPE",
            field="template.event_type",
        )
    if given.channel not in DELIVERY_CHANNELS:
        raise InvalidArgument(
            "channel must be EMAIL, SMS, PUSH or MESSENGER", field="template.channel"
        )
    if not LANGUAGE.match(given.language):
        raise InvalidArgument(
            f"language {given.language!r} must be a BCP 47 tag like 'en' or 'pt-BR'",
            field="template.language",
        )
    if not given.body.strip():
        raise InvalidArgument("body is required", field="template.body")
    if given.channel is ContactChannel.EMAIL and not given.subject.strip():
        raise InvalidArgument("an e-mail template needs a subject", field="template.subject")
    if given.subject and given.channel not in SUBJECT_CHANNELS:
        raise InvalidArgument(
            "subject is used by e-mail and push templates only", field="template.subject"
        )
    if given.html_body and given.channel is not ContactChannel.EMAIL:
        raise InvalidArgument(
            "html_body is used by e-mail templates only", field="template.html_body"
        )
    for name, limit in LIMITS.items():
        if len(getattr(given, name)) > limit:
            raise InvalidArgument(
                f"{name} is longer than {limit} characters", field=f"template.{name}"
            )
    variables: set[str] = set()
    for name in TEXT_FIELDS:
        used = used_variables(getattr(given, name), f"template.{name}")
        unknown = sorted(used - kind.variables) if kind.variables is not None else []
        if unknown:
            raise InvalidArgument(
                f"template.{name} uses {{{{ {unknown[0]} }}}}, which {kind.name} does not "
                f"provide; it offers: {', '.join(sorted(kind.variables or ()))}",
                reason="UNKNOWN_VARIABLE",
                field=f"template.{name}",
                metadata={"variable": unknown[0]},
            )
        variables |= used
    return dataclasses.replace(
        given,
        language=normalize_language(given.language),
        purpose=given.purpose or kind.purpose,
        variables=tuple(sorted(variables)),
    )


def missing_variables(needed: Iterable[str], provided: Mapping[str, Any]) -> None:
    missing = sorted(set(needed) - set(provided))
    if missing:
        names = ", ".join(missing)
        raise MissingVariable(
            f"variables {names} missing: the template uses them"
            if len(missing) > 1
            else f"variable {names} is missing: the template uses it",
            field=f"variables.{missing[0]}",
            metadata={"missing": names},
        )


def render(template: Template, variables: Mapping[str, Any]) -> Rendered:
    """Render every text of a template; a missing variable or a failing expression raises
    InvalidArgument naming it."""
    missing_variables(template.variables, variables)
    texts: dict[str, str] = {}
    for name in TEXT_FIELDS:
        source = getattr(template, name)
        if not source:
            continue
        try:
            text = _compiled(source, html=name == "html_body").render(variables)
        except UndefinedError as error:
            raise MissingVariable(f"template.{name}: {error.message}", field="variables") from None
        except (TemplateError, ArithmeticError, TypeError, ValueError, LookupError) as error:
            raise InvalidArgument(
                f"template.{name} cannot be rendered: {error}",
                reason="TEMPLATE_RENDER_ERROR",
                field=f"template.{name}",
            ) from None
        texts[name] = text.strip() if name == "subject" else text
    return Rendered(template.channel, template.language, **texts)


@functools.lru_cache(maxsize=512)
def _compiled(source: str, *, html: bool) -> Any:
    return (_html if html else _text).from_string(source)


def localize(variables: Mapping[str, Any], time_zone: str) -> dict[str, Any]:
    """Times shown in the customer's time zone (UTC when it is unknown), as "YYYY-MM-DD HH:MM"."""
    zone: Any = timezones.zone(time_zone) or UTC
    return {key: _local(value, zone) for key, value in variables.items()}


def _local(value: Any, zone: Any) -> Any:
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, list):
        return [_local(item, zone) for item in value]
    if isinstance(value, dict):
        return {key: _local(item, zone) for key, item in value.items()}
    return value
