"""Profiles: creation, personal-field updates through a field mask, and which states allow what."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from google.protobuf import field_mask_pb2
from google.protobuf.message import Message

from omni.common.v1 import common_pb2
from omni.customer.v1 import customer_pb2
from omni_kit.errors import Conflict, FailedPrecondition, InvalidArgument
from omni_kit.protos import to_timestamp

Profile = customer_pb2.Profile

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
    identity: customer_pb2.Identity | None,
    display_name: str,
    channel: common_pb2.SalesChannel.ValueType,
    now: datetime,
) -> Profile:
    check_name(display_name, "display_name")
    return Profile(
        id=profile_id,
        version=1,
        status=customer_pb2.PROFILE_STATUS_ACTIVE,
        display_name=display_name.strip(),
        identities=[identity] if identity is not None else [],
        source_channel=channel,
        created_at=to_timestamp(now),
        updated_at=to_timestamp(now),
    )


def check_name(value: str, field: str) -> None:
    if len(value) > MAX_NAME_LENGTH:
        raise InvalidArgument(f"{field} is longer than {MAX_NAME_LENGTH} characters", field=field)
    if any(ord(char) < 32 for char in value):
        raise InvalidArgument(f"{field} contains control characters", field=field)


def require_writable(profile: Profile, field: str = "profile_id") -> None:
    if profile.status == customer_pb2.PROFILE_STATUS_ERASED:
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


def mask_paths(
    mask: field_mask_pb2.FieldMask,
    patch: Message,
    allowed: Collection[str],
    *,
    owned_elsewhere: dict[str, str] | None = None,
) -> list[str]:
    """The paths to apply: the mask's (each checked), or without a mask the allowed fields the
    patch sets."""
    paths = list(mask.paths)
    if not paths:
        return [name for name in allowed if _is_set(patch, name)]
    for path in paths:
        root = path.split(".", 1)[0]
        if root in allowed:
            continue
        elsewhere = (owned_elsewhere or {}).get(root)
        hint = f"; it is changed by {elsewhere}" if elsewhere else ""
        raise InvalidArgument(
            f"{path!r} cannot be updated here{hint} (updatable: {', '.join(allowed)})",
            reason="FIELD_NOT_UPDATABLE",
            field="update_mask",
        )
    return paths


def apply_mask(paths: Sequence[str], source: Message, destination: Message) -> None:
    field_mask_pb2.FieldMask(paths=list(paths)).MergeMessage(
        source, destination, replace_message_field=True, replace_repeated_field=True
    )


def update_personal(profile: Profile, patch: Profile, mask: field_mask_pb2.FieldMask) -> list[str]:
    """Apply the personal fields the mask names; returns the changed paths."""
    paths = mask_paths(mask, patch, PERSONAL_FIELDS, owned_elsewhere=OWNED_ELSEWHERE)
    for path in paths:
        check_name(getattr(patch, path), f"profile.{path}")
    before = Profile()
    before.CopyFrom(profile)
    apply_mask(paths, patch, profile)
    for path in paths:
        setattr(profile, path, getattr(profile, path).strip())
    return [path for path in paths if getattr(before, path) != getattr(profile, path)]


def touch(profile: Profile, now: datetime) -> None:
    """A change is stored: one version up, stamped."""
    profile.version += 1
    profile.updated_at.CopyFrom(to_timestamp(now))


def _is_set(message: Message, name: str) -> bool:
    field = message.DESCRIPTOR.fields_by_name[name]
    if field.message_type is not None and not field.is_repeated:
        return message.HasField(name)
    return bool(getattr(message, name))
