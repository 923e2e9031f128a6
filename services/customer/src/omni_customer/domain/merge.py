"""Merging two profiles that are one person, and undoing it exactly.

A merge moves the merged profile's identities, addresses and loyalty points to the survivor and
records what moved; the merged profile stays (status MERGED, merged_into_id) so old ids still
resolve. Consents and preferences do not move: a merge must never create a consent the survivor
did not give. Undo moves back what moved and is still on the survivor.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from omni.common.v1 import common_pb2
from omni.customer.v1 import customer_pb2
from omni_customer.domain.identities import key_of
from omni_customer.domain.profiles import require_writable
from omni_kit.errors import FailedPrecondition, InvalidArgument
from omni_kit.protos import to_timestamp

Profile = customer_pb2.Profile


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
    if profile.status == customer_pb2.PROFILE_STATUS_MERGED:
        raise FailedPrecondition(
            f"profile {profile.id!r} is already merged into {profile.merged_into_id!r}",
            reason="PROFILE_ALREADY_MERGED",
            field=field,
            metadata={"merged_into_id": profile.merged_into_id},
        )
    require_writable(profile, field)


@dataclass(frozen=True)
class Moved:
    identities: list[customer_pb2.Identity]
    address_ids: list[str]
    points: int


def merge(
    survivor: Profile,
    merged: Profile,
    record: customer_pb2.ProfileMerge,
) -> Moved:
    """Move what belongs to the person from `merged` to `survivor`; fill `record` with it."""
    check_mergeable(survivor, "survivor_id")
    check_mergeable(merged, "merged_id")
    moved = Moved(
        identities=list(merged.identities),
        address_ids=[address.id for address in merged.addresses],
        points=merged.loyalty.points_balance,
    )
    survivor.identities.extend(merged.identities)
    has_shipping = any(a.default_shipping for a in survivor.addresses)
    has_billing = any(a.default_billing for a in survivor.addresses)
    for address in merged.addresses:
        moving = customer_pb2.CustomerAddress()
        moving.CopyFrom(address)
        moving.default_shipping = address.default_shipping and not has_shipping
        moving.default_billing = address.default_billing and not has_billing
        survivor.addresses.append(moving)
    survivor.loyalty.points_balance += moved.points
    merged.status = customer_pb2.PROFILE_STATUS_MERGED
    merged.merged_into_id = survivor.id
    del merged.identities[:]
    del merged.addresses[:]
    merged.loyalty.points_balance = 0
    record.survivor_id = survivor.id
    record.merged_id = merged.id
    record.status = customer_pb2.MERGE_STATUS_ACTIVE
    record.moved_identities.extend(moved.identities)
    record.moved_address_ids.extend(moved.address_ids)
    return moved


def check_undoable(record: customer_pb2.ProfileMerge, survivor: Profile, merged: Profile) -> None:
    if record.status != customer_pb2.MERGE_STATUS_ACTIVE:
        raise FailedPrecondition(
            f"merge {record.id!r} was already undone",
            reason="MERGE_ALREADY_UNDONE",
            field="merge_id",
        )
    if survivor.status == customer_pb2.PROFILE_STATUS_MERGED:
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
    record: customer_pb2.ProfileMerge,
    survivor: Profile,
    merged: Profile,
    moved_points: int,
    actor: common_pb2.Actor,
    now: datetime,
) -> list[customer_pb2.Identity]:
    """Move back what the merge moved and the survivor still has; returns the identities."""
    check_undoable(record, survivor, merged)
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
    del survivor.identities[:]
    survivor.identities.extend(stay)
    del survivor.addresses[:]
    survivor.addresses.extend(stay_addresses)
    survivor.loyalty.points_balance -= moved_points
    merged.identities.extend(back)
    merged.addresses.extend(back_addresses)
    merged.loyalty.points_balance += moved_points
    merged.status = customer_pb2.PROFILE_STATUS_ACTIVE
    merged.merged_into_id = ""
    record.status = customer_pb2.MERGE_STATUS_UNDONE
    record.unmerged_by.CopyFrom(actor)
    record.unmerged_at.CopyFrom(to_timestamp(now))
    return back
