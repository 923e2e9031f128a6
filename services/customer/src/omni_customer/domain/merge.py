"""Merging two profiles that are one person, and undoing it exactly.

A merge moves the merged profile's identities, addresses and loyalty points to the survivor and
records what moved; the merged profile stays (status MERGED, merged_into_id) so old ids still
resolve. Consents and preferences do not move: a merge must never create a consent the survivor
did not give. Undo moves back what moved and is still on the survivor.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

from omni_customer.domain.addresses import CustomerAddress
from omni_customer.domain.identities import Identity, key_of
from omni_customer.domain.loyalty import Loyalty
from omni_customer.domain.profiles import Profile, ProfileStatus, require_writable
from omni_customer.domain.values import Actor
from omni_kit.errors import FailedPrecondition, InvalidArgument


class MergeStatus(Enum):
    ACTIVE = "active"
    UNDONE = "undone"


@dataclass
class ProfileMerge:
    """The record of one merge, with what moved (the loyalty points it moved stay internal)."""

    id: str
    survivor_id: str = ""
    merged_id: str = ""
    status: MergeStatus | None = None
    reason: str = ""
    merged_by: Actor | None = None
    merged_at: datetime | None = None
    unmerged_by: Actor | None = None
    unmerged_at: datetime | None = None
    moved_identities: list[Identity] = field(default_factory=list)
    moved_address_ids: list[str] = field(default_factory=list)
    moved_points: int = 0


def check_ids(survivor_id: str, merged_id: str) -> None:
    if not survivor_id:
        raise InvalidArgument("survivor_id is required", field="survivor_id")
    if not merged_id:
        raise InvalidArgument("merged_id is required", field="merged_id")
    if survivor_id == merged_id:
        raise InvalidArgument(
            "a profile cannot be merged with itself", reason="SAME_PROFILE", field="merged_id"
        )


def check_mergeable(profile: Profile, field: str) -> None:
    if profile.status == ProfileStatus.MERGED:
        raise FailedPrecondition(
            f"profile {profile.id!r} is already merged into {profile.merged_into_id!r}",
            reason="PROFILE_ALREADY_MERGED",
            field=field,
            metadata={"merged_into_id": profile.merged_into_id},
        )
    require_writable(profile, field)


def merge(survivor: Profile, merged: Profile, record: ProfileMerge) -> None:
    """Move what belongs to the person from `merged` to `survivor`; fill `record` with it."""
    check_mergeable(survivor, "survivor_id")
    check_mergeable(merged, "merged_id")
    record.moved_identities = list(merged.identities)
    record.moved_address_ids = [address.id for address in merged.addresses]
    record.moved_points = merged.loyalty.points_balance
    survivor.identities.extend(merged.identities)
    has_shipping = any(a.default_shipping for a in survivor.addresses)
    has_billing = any(a.default_billing for a in survivor.addresses)
    survivor.addresses.extend(
        _move(address, address.default_shipping and not has_shipping, has_billing)
        for address in merged.addresses
    )
    survivor.loyalty = _points(
        survivor.loyalty, survivor.loyalty.points_balance + record.moved_points
    )
    merged.status = ProfileStatus.MERGED
    merged.merged_into_id = survivor.id
    merged.identities = []
    merged.addresses = []
    merged.loyalty = _points(merged.loyalty, 0)
    record.survivor_id = survivor.id
    record.merged_id = merged.id
    record.status = MergeStatus.ACTIVE


def _move(address: CustomerAddress, shipping: bool, has_billing: bool) -> CustomerAddress:
    return dataclasses.replace(
        address,
        default_shipping=shipping,
        default_billing=address.default_billing and not has_billing,
    )


def _points(loyalty: Loyalty, balance: int) -> Loyalty:
    return dataclasses.replace(loyalty, points_balance=balance)


def check_undoable(record: ProfileMerge, survivor: Profile, merged: Profile) -> None:
    if record.status != MergeStatus.ACTIVE:
        raise FailedPrecondition(
            f"merge {record.id!r} was already undone",
            reason="MERGE_ALREADY_UNDONE",
            field="merge_id",
        )
    if survivor.status == ProfileStatus.MERGED:
        raise FailedPrecondition(
            f"the survivor {survivor.id!r} was itself merged into {survivor.merged_into_id!r}: "
            "undo that merge first",
            reason="SURVIVOR_MERGED",
            field="merge_id",
            metadata={"merged_into_id": survivor.merged_into_id},
        )
    for profile in (survivor, merged):
        require_writable(profile, "merge_id")
    if merged.merged_into_id != survivor.id:
        raise FailedPrecondition(
            f"profile {merged.id!r} is not merged into {survivor.id!r}",
            reason="MERGE_INCONSISTENT",
            field="merge_id",
        )


def unmerge(
    record: ProfileMerge, survivor: Profile, merged: Profile, actor: Actor, now: datetime
) -> list[Identity]:
    """Move back what the merge moved and the survivor still has; returns the identities."""
    check_undoable(record, survivor, merged)
    moved_points = record.moved_points
    if survivor.loyalty.points_balance < moved_points:
        raise FailedPrecondition(
            f"the merge moved {moved_points} loyalty points but the survivor has only "
            f"{survivor.loyalty.points_balance} left; adjust loyalty first",
            reason="LOYALTY_POINTS_SPENT",
            field="merge_id",
            metadata={"moved_points": moved_points, "balance": survivor.loyalty.points_balance},
        )
    moved_keys = {key_of(identity) for identity in record.moved_identities}
    back = [i for i in survivor.identities if key_of(i) in moved_keys]
    stay = [i for i in survivor.identities if key_of(i) not in moved_keys]
    moved_ids = set(record.moved_address_ids)
    back_addresses = [a for a in survivor.addresses if a.id in moved_ids]
    stay_addresses = [a for a in survivor.addresses if a.id not in moved_ids]
    survivor.identities = stay
    survivor.addresses = stay_addresses
    survivor.loyalty = _points(survivor.loyalty, survivor.loyalty.points_balance - moved_points)
    merged.identities.extend(back)
    merged.addresses.extend(back_addresses)
    merged.loyalty = _points(merged.loyalty, merged.loyalty.points_balance + moved_points)
    merged.status = ProfileStatus.ACTIVE
    merged.merged_into_id = ""
    record.status = MergeStatus.UNDONE
    record.unmerged_by = actor
    record.unmerged_at = now
    return back
