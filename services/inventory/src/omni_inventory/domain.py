"""Inventory rules. Pure: no I/O, no framework."""

from __future__ import annotations

import re

from omni_kit.errors import InvalidArgument

LOCATION_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,31}$")


def validate_new_location(code: str, name: str, kind_set: bool, lat: float, lng: float) -> None:
    if not LOCATION_CODE.match(code):
        raise InvalidArgument(
            f"code {code!r} must be 2-32 upper-case letters, digits or '-'", field="location.code"
        )
    if not name.strip():
        raise InvalidArgument("name is required", field="location.name")
    if not kind_set:
        raise InvalidArgument("kind must be WAREHOUSE or STORE", field="location.kind")
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise InvalidArgument(
            f"geo ({lat}, {lng}) is not a valid latitude/longitude", field="location.geo"
        )


def available(on_hand: int, reserved: int, safety_stock: int) -> int:
    return max(0, on_hand - reserved - safety_stock)
