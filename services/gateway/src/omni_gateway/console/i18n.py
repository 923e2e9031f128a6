"""The console's languages: English (the source text) and Polish, from gettext catalogs
(locale/<lang>/LC_MESSAGES/messages.po, compiled in memory at first use), and times shown in a
staff member's zone, written the way their language writes them."""

from __future__ import annotations

import gettext
import io
from datetime import datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.core import negotiate_locale
from babel.dates import format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, get_currency_precision
from babel.support import Translations
from jinja2 import pass_context
from jinja2.runtime import Context

LOCALES = ("en", "pl")
SOURCE_LOCALE = "en"
CATALOGS = Path(__file__).parent / "locale"


@cache
def translations(locale: str) -> gettext.NullTranslations:
    if locale == SOURCE_LOCALE:
        return gettext.NullTranslations()
    with (CATALOGS / locale / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po, locale=locale)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(fp=compiled)


def best_locale(chosen: str | None, accept_language: str) -> str:
    """The language a staff member chose in the console, else the best of their browser's."""
    if chosen in LOCALES:
        return str(chosen)
    ranked = []
    for part in accept_language.split(","):
        tag, _, quality = part.strip().partition(";q=")
        try:
            ranked.append((float(quality or 1), tag.strip().replace("-", "_")))
        except ValueError:
            continue
    preferred = [tag for _, tag in sorted(ranked, key=lambda item: -item[0]) if tag]
    return negotiate_locale(preferred, list(LOCALES)) or SOURCE_LOCALE


# Templates call these through Jinja's i18n extension with the page's context, whose `t` is the
# request's translations: one environment serves every language at once.
@pass_context
def context_gettext(context: Context, message: str) -> str:
    return str(context["t"].gettext(message))


@pass_context
def context_ngettext(context: Context, singular: str, plural: str, count: int) -> str:
    return str(context["t"].ngettext(singular, plural, count))


@pass_context
def local_time(context: Context, moment: datetime | None, style: str = "medium") -> str:
    """A UTC time in the page's zone and language; empty for none."""
    if moment is None:
        return ""
    zone = ZoneInfo(context["zone"])
    return str(format_datetime(moment, style, tzinfo=zone, locale=context["locale"]))


@pass_context
def money(context: Context, amount: Any) -> str:
    """Integer minor units and a currency, written the way the page's language writes money."""
    if amount is None:
        return ""
    units = Decimal(amount.amount_minor).scaleb(-get_currency_precision(amount.currency))
    return str(format_currency(units, amount.currency, locale=context["locale"]))


def major_units(amount: Any) -> str:
    """Minor units as the plain number a form field edits: 4999 PLN is "49.99"."""
    return str(Decimal(amount.amount_minor).scaleb(-get_currency_precision(amount.currency)))


def install(environment: Any) -> None:
    environment.install_gettext_callables(context_gettext, context_ngettext, newstyle=True)
    environment.filters["local_time"] = local_time
    environment.filters["money"] = money
    environment.filters["major_units"] = major_units
