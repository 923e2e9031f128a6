"""A customer's addresses, with one default for shipping and one for billing."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from omni_customer.domain.masks import apply_mask, mask_paths
from omni_kit.errors import InvalidArgument, NotFound

if TYPE_CHECKING:
    from omni_customer.domain.profiles import Profile


@dataclass(frozen=True)
class PostalAddress:
    name: str = ""
    lines: tuple[str, ...] = ()
    city: str = ""
    postal_code: str = ""
    region: str = ""
    country_code: str = ""
    phone: str = ""


@dataclass(frozen=True)
class GeoPoint:
    lat: float = 0.0
    lng: float = 0.0


@dataclass(frozen=True)
class CustomerAddress:
    id: str = ""
    label: str = ""
    address: PostalAddress | None = None
    geo: GeoPoint | None = None
    default_shipping: bool = False
    default_billing: bool = False


UPDATABLE = ("label", "address", "geo", "default_shipping", "default_billing")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
MAX_ADDRESSES = 50


def validate(address: CustomerAddress, field: str = "address") -> None:
    postal = address.address or PostalAddress()
    if not _COUNTRY.match(postal.country_code):
        raise InvalidArgument(
            f"country_code {postal.country_code!r} must be an ISO 3166-1 alpha-2 code in upper "
            "case, e.g. 'DE'",
            field=f"{field}.address.country_code",
        )
    if not [line for line in postal.lines if line.strip()]:
        raise InvalidArgument("an address needs a street line", field=f"{field}.address.lines")
    if not postal.city.strip():
        raise InvalidArgument("an address needs a city", field=f"{field}.address.city")
    if address.geo is not None and not (
        -90 <= address.geo.lat <= 90 and -180 <= address.geo.lng <= 180
    ):
        raise InvalidArgument("geo is outside WGS 84 ranges", field=f"{field}.geo")


def add(profile: Profile, address: CustomerAddress) -> CustomerAddress:
    """Append the address; the first one becomes the default for shipping and billing."""
    validate(address)
    if len(profile.addresses) >= MAX_ADDRESSES:
        raise InvalidArgument(f"a profile keeps at most {MAX_ADDRESSES} addresses", field="address")
    if not profile.addresses:
        address = dataclasses.replace(address, default_shipping=True, default_billing=True)
    profile.addresses.append(address)
    _single_defaults(profile, address)
    return address


def update(profile: Profile, patch: CustomerAddress, mask: Sequence[str]) -> CustomerAddress:
    current = find(profile, patch.id, field="address.id")
    paths = mask_paths(mask, patch, UPDATABLE)
    updated = apply_mask(paths, patch, current)
    validate(updated)
    profile.addresses = [updated if a.id == current.id else a for a in profile.addresses]
    _single_defaults(profile, updated)
    return updated


def remove(profile: Profile, address_id: str) -> CustomerAddress:
    removed = find(profile, address_id, field="address_id")
    profile.addresses = [a for a in profile.addresses if a.id != address_id]
    return removed


def find(profile: Profile, address_id: str, *, field: str) -> CustomerAddress:
    if not address_id:
        raise InvalidArgument("the address id is required", field=field)
    for address in profile.addresses:
        if address.id == address_id:
            return address
    raise NotFound(
        f"profile {profile.id!r} has no address {address_id!r}",
        reason="ADDRESS_NOT_FOUND",
        field=field,
    )


def _single_defaults(profile: Profile, winner: CustomerAddress) -> None:
    """The address just written keeps its default flags; no other address shares them."""
    profile.addresses = [
        address
        if address.id == winner.id
        else dataclasses.replace(
            address,
            default_shipping=address.default_shipping and not winner.default_shipping,
            default_billing=address.default_billing and not winner.default_billing,
        )
        for address in profile.addresses
    ]
