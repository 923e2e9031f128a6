"""A store as a customer reads it in a message: its name, address, opening hours (weekly, and
dated exceptions coming up) and a pickup deadline in the store's time zone, worded in the
template's language (CLDR data through Babel; English when Babel does not know the language)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_skeleton, format_time, get_day_names

from omni_kit import timezones

# Ranges of days and hours ("Mon\u2013Fri 09:00\u201320:00"; docstrings here write "-").
DASH = "\u2013"
# The one word CLDR has no entry for; other languages read the English one until added here.
CLOSED = {"en": "closed", "pl": "zamknięte", "uk": "зачинено", "de": "geschlossen"}
# Dated exceptions this far ahead are named (or up to the pickup deadline, if later).
AHEAD = timedelta(days=14)
VARIABLES = frozenset(
    {
        "store_name",
        "store_address",
        "store_opening_hours",
        "store_special_hours",
        "store_time_zone",
    }
)


@dataclass(frozen=True)
class Hours:
    """Open on a weekday (1 Monday .. 7 Sunday) from `opens` to `closes` ("09:00")."""

    weekday: int
    opens: str
    closes: str


@dataclass(frozen=True)
class Interval:
    opens: str
    closes: str


@dataclass(frozen=True)
class DatedHours:
    """An exception on one date ("2026-12-24"); no intervals: closed that day."""

    date: str
    intervals: tuple[Interval, ...] = ()


@dataclass(frozen=True)
class Address:
    lines: tuple[str, ...] = ()
    postal_code: str = ""
    city: str = ""


@dataclass(frozen=True)
class Place:
    """A store (or warehouse) as the service's own copy of inventory's locations knows it."""

    id: str
    name: str
    time_zone: str = ""
    address: Address = field(default_factory=Address)
    opening_hours: tuple[Hours, ...] = ()
    opening_exceptions: tuple[DatedHours, ...] = ()


def locale_of(language: str) -> Locale:
    try:
        return Locale.parse(language or "en", sep="-")
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def zone_of(location: Place) -> Any:
    return timezones.zone(location.time_zone) or UTC


def with_store(
    variables: dict[str, Any],
    location: Place | None,
    language: str,
    now: datetime,
) -> dict[str, Any]:
    """A message's variables with its store's (empty while the store is not known: a message
    never shows a raw location id)."""
    if location is None:
        return {**dict.fromkeys(VARIABLES, ""), **variables, "store_name": ""}
    deadline = variables.get("pickup_deadline")
    deadline = deadline if isinstance(deadline, datetime) else None
    return {**variables, **store_variables(location, language, now, deadline)}


def store_variables(
    location: Place,
    language: str,
    now: datetime,
    deadline: datetime | None = None,
) -> dict[str, str]:
    """The store's variables, and `pickup_deadline` in its time zone when a deadline is given."""
    locale = locale_of(language)
    zone = zone_of(location)
    if deadline is not None and deadline.tzinfo is None:  # the store reads dates back as UTC
        deadline = deadline.replace(tzinfo=UTC)
    variables = {
        "store_name": location.name,
        "store_address": address_line(location.address),
        "store_opening_hours": weekly_hours(location, locale),
        "store_special_hours": special_hours(location, locale, now, deadline, zone),
        "store_time_zone": location.time_zone or "UTC",
    }
    if deadline is not None:
        variables["pickup_deadline"] = moment(deadline, locale, zone)
    return variables


def address_line(address: Address) -> str:
    """ "Rynek 1, 00-001 Warszawa": street lines, then postal code and city."""
    place = " ".join(part for part in (address.postal_code, address.city) if part)
    return ", ".join([*(line for line in address.lines if line), *([place] if place else [])])


def moment(when: datetime, locale: Locale, zone: Any) -> str:
    """A date and time as people there read it: "Monday, December 7, 2026, 6:00 PM"."""
    aware = when if when.tzinfo else when.replace(tzinfo=UTC)
    local = aware.astimezone(zone)
    pattern = str(locale.datetime_formats["medium"])
    return pattern.format(
        format_time(local, "short", locale=locale), format_date(local.date(), "full", locale=locale)
    )


def weekly_hours(location: Place, locale: Locale) -> str:
    """ "Mon-Fri 09:00-20:00; Sat 10:00-16:00; Sun closed": runs of weekdays with the same
    hours, Monday first."""
    names = get_day_names("abbreviated", locale=locale)
    by_day: dict[int, list[str]] = {day: [] for day in range(7)}
    for hours in location.opening_hours:
        if hours.weekday:
            by_day[hours.weekday - 1].append(f"{hours.opens}{DASH}{hours.closes}")
    closed = CLOSED.get(locale.language, CLOSED["en"])
    runs: list[tuple[int, int, str]] = []
    for day in range(7):
        text = ", ".join(by_day[day]) or closed
        if runs and runs[-1][2] == text and runs[-1][1] == day - 1:
            runs[-1] = (runs[-1][0], day, text)
        else:
            runs.append((day, day, text))
    return "; ".join(
        f"{names[first]}{'' if first == last else DASH + names[last]} {text}"
        for first, last, text in runs
    )


def special_hours(
    location: Place,
    locale: Locale,
    now: datetime,
    deadline: datetime | None,
    zone: Any,
) -> str:
    """Dated exceptions from today (in the store's zone) until two weeks on or the deadline:
    "Thu, Dec 24 09:00-14:00; Fri, Dec 25 closed"; empty when there are none."""
    today = now.astimezone(zone).date()
    until = (now + AHEAD).astimezone(zone).date()
    if deadline is not None:
        until = max(until, deadline.astimezone(zone).date())
    closed = CLOSED.get(locale.language, CLOSED["en"])
    found = []
    for exception in sorted(location.opening_exceptions, key=lambda e: e.date):
        try:
            day = date.fromisoformat(exception.date)
        except ValueError:
            continue
        if today <= day <= until:
            hours = ", ".join(f"{i.opens}{DASH}{i.closes}" for i in exception.intervals) or closed
            found.append(f"{format_skeleton('MMMEd', day, locale=locale)} {hours}")
    return "; ".join(found)
