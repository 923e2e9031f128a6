"""Stock locations: what a valid one looks like and how far apart two points are."""

from __future__ import annotations

import math
import re

from omni_kit.errors import InvalidArgument

LOCATION_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,31}$")
EARTH_RADIUS_KM = 6371.0


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
