"""Stock locations: what a valid one looks like, how far apart two places are."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import date
from typing import Protocol

from omni_kit import timezones
from omni_kit.errors import InvalidArgument
from omni_kit.text import fold

LOCATION_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,31}$")
CLOCK = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$")
EARTH_RADIUS_KM = 6371.0
# Two leading characters of a postal code name a region in the countries Omni serves.
MIN_POSTAL_MATCH = 2
MAX_EXCEPTIONS = 400


class Interval(Protocol):
    opens: str
    closes: str


class DatedHours(Protocol):
    date: str

    @property
    def intervals(self) -> Iterable[Interval]: ...


def validate_new_location(code: str, name: str, kind_set: bool, lat: float, lng: float) -> None:
    if not LOCATION_CODE.match(code):
        raise InvalidArgument(
            f"code {code!r} must be 2-32 upper-case letters, digits or '-'", field="location.code"
        )
    if not name.strip():
        raise InvalidArgument("name is required", field="location.name")
    if not kind_set:
        raise InvalidArgument("kind must be WAREHOUSE or STORE", field="location.kind")
    validate_point(lat, lng, "location.geo")


def validate_time_zone(name: str, field: str = "location.time_zone") -> None:
    """An IANA zone name ("Europe/Warsaw"); empty means UTC."""
    if name and not timezones.known(name):
        raise InvalidArgument(
            f"time_zone {name!r} is not an IANA time zone (e.g. Europe/Warsaw)", field=field
        )


def validate_intervals(named: Iterable[tuple[str, Interval]]) -> None:
    """Each "HH:MM" interval of one day (with the field naming it) opens before it closes, and
    none overlaps the one before."""
    previous = ""
    for at, interval in named:
        for name in ("opens", "closes"):
            if not CLOCK.match(getattr(interval, name)):
                raise InvalidArgument(
                    f"{name} {getattr(interval, name)!r} must be HH:MM (24-hour)",
                    field=f"{at}.{name}",
                )
        if interval.opens >= interval.closes:
            raise InvalidArgument(
                f"closes ({interval.closes}) must be after opens ({interval.opens})",
                field=f"{at}.closes",
            )
        if previous and interval.opens < previous:
            raise InvalidArgument(
                f"opens {interval.opens} overlaps the interval before (closing {previous})",
                field=f"{at}.opens",
            )
        previous = interval.closes


def validate_exceptions(exceptions: Iterable[DatedHours], field: str) -> None:
    """Dated exceptions: real "YYYY-MM-DD" dates, one entry per date, valid intervals."""
    seen: set[str] = set()
    for index, exception in enumerate(exceptions):
        at = f"{field}[{index}]"
        if index >= MAX_EXCEPTIONS:
            raise InvalidArgument(f"at most {MAX_EXCEPTIONS} dated exceptions", field=field)
        try:
            date.fromisoformat(exception.date)
        except ValueError:
            raise InvalidArgument(
                f"date {exception.date!r} must be YYYY-MM-DD", field=f"{at}.date"
            ) from None
        if len(exception.date) != 10:
            raise InvalidArgument(f"date {exception.date!r} must be YYYY-MM-DD", field=f"{at}.date")
        if exception.date in seen:
            raise InvalidArgument(f"{exception.date} is listed twice", field=f"{at}.date")
        seen.add(exception.date)
        validate_intervals(
            (f"{at}.intervals[{number}]", interval)
            for number, interval in enumerate(exception.intervals)
        )


def validate_point(lat: float, lng: float, field: str) -> None:
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise InvalidArgument(f"geo ({lat}, {lng}) is not a valid latitude/longitude", field=field)


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle (haversine) distance between two (lat, lng) points."""
    lat1, lng1, lat2, lng2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def city_key(city: str) -> str:
    """How a city is compared: folded case and diacritics, single spaces."""
    return " ".join(fold(city).split())


def postal_key(postal_code: str) -> str:
    return re.sub(r"[\s-]", "", postal_code).upper()


def postal_closeness(wanted: str, found: str) -> int:
    """How many leading characters two postal codes share (0 below the minimum)."""
    a, b = postal_key(wanted), postal_key(found)
    shared = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        shared += 1
    return shared if shared >= MIN_POSTAL_MATCH else 0
