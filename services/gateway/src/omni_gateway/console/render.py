"""Rendering console pages: the Jinja environment (autoescaped, gettext through Babel's
catalogs) and the context every page shares: language, zone, the signed-in member, assets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from litestar import Request
from litestar.contrib.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig
from litestar_htmx import HTMXTemplate

from omni_gateway.console import i18n
from omni_gateway.console.assets import asset_url
from omni_gateway.console.labels import label
from omni_gateway.console.session import CSRF_FIELD, CSRF_HEADER
from omni_gateway.security.principals import Principal

TEMPLATES = Path(__file__).parent / "templates"


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
    )
    i18n.install(env)
    env.globals.update(asset=asset_url, label=label, csrf_field=CSRF_FIELD, csrf_header=CSRF_HEADER)
    return env


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(environment()))


def locale_of(request: Request[Any, Any, Any]) -> str:
    session = request.scope.get("session")
    chosen = session.get("lang") if isinstance(session, dict) else None
    return i18n.best_locale(chosen, request.headers.get("accept-language", ""))


def translate(request: Request[Any, Any, Any], message: str) -> str:
    """A message from Python code, in the request's language (extracted by `translate:2`)."""
    return str(i18n.translations(locale_of(request)).gettext(message))


def page(
    request: Request[Any, Any, Any],
    template: str,
    principal: Principal | None = None,
    *,
    status: int = 200,
    trigger_event: str | None = None,
    **context: Any,
) -> HTMXTemplate:
    locale = locale_of(request)
    session = request.scope.get("session")
    session = session if isinstance(session, dict) else {}
    settings = request.app.state.settings
    shared = {
        "t": i18n.translations(locale),
        "locale": locale,
        "locales": i18n.LOCALES,
        "zone": session.get("zone") or settings.console_time_zone,
        "username": session.get("user", "") if principal else "",
        "role": principal.role.value if principal and principal.role else "",
        "my_stores": sorted(principal.store_ids) if principal else [],
    }
    return HTMXTemplate(
        template_name=template,
        context=shared | context,
        status_code=status,
        trigger_event=trigger_event,
        after="receive" if trigger_event else None,
    )


def store_page(
    request: Request[Any, Any, Any],
    principal: Principal,
    store: Any,
    template: str,
    part: str,
    **context: Any,
) -> HTMXTemplate:
    """A page about one store (its `part` alone for htmx), with times in the store's zone."""
    zone = store.time_zone or request.app.state.settings.console_time_zone
    chosen = part if request.headers.get("hx-request") else template
    return page(request, chosen, principal, store=store, **context | {"zone": zone})
