"""Profiles: creation, personal-field updates through a field mask, and which states allow what."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

from omni_customer.domain.addresses import CustomerAddress
from omni_customer.domain.identities import Identity
from omni_customer.domain.loyalty import Loyalty
from omni_customer.domain.masks import mask_paths
from omni_customer.domain.preferences import Preferences
from omni_customer.domain.values import SalesChannel
from omni_kit.errors import Conflict, FailedPrecondition, InvalidArgument


class ProfileStatus(Enum):
    ACTIVE = "active"
    MERGED = "merged"
    ERASED = "erased"


@dataclass
class Profile:
    """The aggregate: the rules change it in place; the store saves it by version."""

    id: str
    version: int = 0
    status: ProfileStatus | None = None
    display_name: str = ""
    given_name: str = ""
    family_name: str = ""
    identities: list[Identity] = field(default_factory=list)
    addresses: list[CustomerAddress] = field(default_factory=list)
    preferences: Preferences = field(default_factory=Preferences)
    loyalty: Loyalty = field(default_factory=Loyalty)
    merged_into_id: str = ""
    source_channel: SalesChannel | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    unverified_contacts: list[Identity] = field(default_factory=list)
    source_store_id: str = ""


@dataclass(frozen=True)
class PersonalFields:
    """The names a client may change (UpdateProfile's patch)."""

    display_name: str = ""
    given_name: str = ""
    family_name: str = ""


PERSONAL_FIELDS = ("display_name", "given_name", "family_name")
MAX_NAME_LENGTH = 200
# Paths a client might try that belong to other RPCs (or to nobody: loyalty is earned, not set).
OWNED_ELSEWHERE = {
    "identities": "AddIdentity/RemoveIdentity",
    "addresses": "AddAddress/UpdateAddress/RemoveAddress",
    "preferences": "UpdatePreferences/RecordConsent",
    "loyalty": "the service itself (points are earned and adjusted, never set)",
}


def new_profile(
    profile_id: str,
    identity: Identity | None,
    display_name: str,
    channel: SalesChannel | None,
    now: datetime,
) -> Profile:
    check_name(display_name, "display_name")
    return Profile(
        id=profile_id,
        version=1,
        status=ProfileStatus.ACTIVE,
        display_name=display_name.strip(),
        identities=[identity] if identity is not None else [],
        source_channel=channel,
        created_at=now,
        updated_at=now,
    )


def check_name(value: str, field: str) -> None:
    if len(value) > MAX_NAME_LENGTH:
        raise InvalidArgument(f"{field} is longer than {MAX_NAME_LENGTH} characters", field=field)
    if any(ord(char) < 32 for char in value):
        raise InvalidArgument(f"{field} contains control characters", field=field)


def require_writable(profile: Profile, field: str = "profile_id") -> None:
    if profile.status == ProfileStatus.ERASED:
        raise FailedPrecondition(
            f"profile {profile.id!r} was erased", reason="PROFILE_ERASED", field=field
        )


def check_version(profile: Profile, expected: int) -> None:
    if expected and expected != profile.version:
        raise Conflict(
            f"profile {profile.id!r} is at version {profile.version}, not {expected}; "
            "read it again and retry",
            reason="STALE_VERSION",
            field="expected_version",
            metadata={"current_version": profile.version},
        )


def update_personal(profile: Profile, patch: PersonalFields, mask: Sequence[str]) -> list[str]:
    """Apply the personal fields the mask names; returns the changed paths."""
    paths = mask_paths(mask, patch, PERSONAL_FIELDS, owned_elsewhere=OWNED_ELSEWHERE)
    changed = []
    for path in paths:
        value = getattr(patch, path)
        check_name(value, f"profile.{path}")
        if getattr(profile, path) != value.strip():
            changed.append(path)
        setattr(profile, path, value.strip())
    return changed


def touch(profile: Profile, now: datetime) -> None:
    """A change is stored: one version up, stamped."""
    profile.version += 1
    profile.updated_at = now
