"""A customer's addresses, with one default for shipping and one for billing."""

from __future__ import annotations

import re

from google.protobuf import field_mask_pb2

from omni.customer.v1 import customer_pb2
from omni_customer.domain.profiles import apply_mask, mask_paths
from omni_kit.errors import InvalidArgument, NotFound

UPDATABLE = ("label", "address", "geo", "default_shipping", "default_billing")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
MAX_ADDRESSES = 50


def validate(address: customer_pb2.CustomerAddress, field: str = "address") -> None:
    postal = address.address
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
    if address.HasField("geo") and not (
        -90 <= address.geo.lat <= 90 and -180 <= address.geo.lng <= 180
    ):
        raise InvalidArgument("geo is outside WGS 84 ranges", field=f"{field}.geo")


def add(profile: customer_pb2.Profile, address: customer_pb2.CustomerAddress) -> None:
    """Append the address; the first one becomes the default for shipping and billing."""
    validate(address)
    if len(profile.addresses) >= MAX_ADDRESSES:
        raise InvalidArgument(f"a profile keeps at most {MAX_ADDRESSES} addresses", field="address")
    if not profile.addresses:
        address.default_shipping = address.default_billing = True
    profile.addresses.append(address)
    _single_defaults(profile, address.id)


def update(
    profile: customer_pb2.Profile,
    patch: customer_pb2.CustomerAddress,
    mask: field_mask_pb2.FieldMask,
) -> customer_pb2.CustomerAddress:
    current = find(profile, patch.id, field="address.id")
    paths = mask_paths(mask, patch, UPDATABLE)
    updated = customer_pb2.CustomerAddress()
    updated.CopyFrom(current)
    apply_mask(paths, patch, updated)
    validate(updated)
    current.CopyFrom(updated)
    _single_defaults(profile, current.id)
    return current


def remove(profile: customer_pb2.Profile, address_id: str) -> customer_pb2.CustomerAddress:
    removed = customer_pb2.CustomerAddress()
    removed.CopyFrom(find(profile, address_id, field="address_id"))
    kept = [a for a in profile.addresses if a.id != address_id]
    del profile.addresses[:]
    profile.addresses.extend(kept)
    return removed


def find(
    profile: customer_pb2.Profile, address_id: str, *, field: str
) -> customer_pb2.CustomerAddress:
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


def _single_defaults(profile: customer_pb2.Profile, winner_id: str) -> None:
    """The address just written keeps its default flags; no other address shares them."""
    winner = next(a for a in profile.addresses if a.id == winner_id)
    for other in profile.addresses:
        if other.id == winner_id:
            continue
        if winner.default_shipping:
            other.default_shipping = False
        if winner.default_billing:
            other.default_billing = False
