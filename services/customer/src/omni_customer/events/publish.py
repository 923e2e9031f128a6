"""What the customer service publishes (subjects omni.customer.<entity>.<event>)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from google.protobuf import field_mask_pb2
from google.protobuf.message import Message

from omni.common.v1 import common_pb2
from omni.customer.v1 import customer_pb2, events_pb2
from omni_kit.facts import Event, make_event

Actor = common_pb2.Actor
Channel = common_pb2.ChannelRef | None


def _profile_event(
    message_type: type[Message],
    subject: str,
    aggregate: customer_pb2.Profile,
    actor: Actor,
    channel: Channel,
    /,
    **fields: Any,
) -> Event:
    return make_event(
        message_type,
        subject,
        source="customer",
        aggregate_type="profile",
        aggregate_id=aggregate.id,
        aggregate_version=aggregate.version,
        channel=channel,
        actor=actor,
        **fields,
    )


def profile_created(profile: customer_pb2.Profile, channel: Channel, actor: Actor) -> Event:
    return _profile_event(
        events_pb2.ProfileCreated,
        "omni.customer.profile.created",
        profile,
        actor,
        channel,
        profile=profile,
    )


def profile_updated(
    profile: customer_pb2.Profile, changed: Sequence[str], actor: Actor, channel: Channel = None
) -> Event:
    return _profile_event(
        events_pb2.ProfileUpdated,
        "omni.customer.profile.updated",
        profile,
        actor,
        channel,
        profile=profile,
        changed_fields=field_mask_pb2.FieldMask(paths=list(changed)),
    )


def preferences_changed(profile: customer_pb2.Profile, actor: Actor, channel: Channel) -> Event:
    return _profile_event(
        events_pb2.PreferencesChanged,
        "omni.customer.preferences.changed",
        profile,
        actor,
        channel,
        profile_id=profile.id,
        preferences=profile.preferences,
    )


def consent_changed(
    profile: customer_pb2.Profile, consent: customer_pb2.Consent, previously_granted: bool
) -> Event:
    return _profile_event(
        events_pb2.ConsentChanged,
        "omni.customer.consent.changed",
        profile,
        consent.recorded_by,
        consent.source,
        profile_id=profile.id,
        consent=consent,
        previously_granted=previously_granted,
    )


def profiles_merged(
    merge: customer_pb2.ProfileMerge, survivor: customer_pb2.Profile, actor: Actor
) -> Event:
    return _profile_event(
        events_pb2.ProfilesMerged,
        "omni.customer.profile.merged",
        survivor,
        actor,
        None,
        merge=merge,
        survivor=survivor,
    )


def profiles_unmerged(
    merge: customer_pb2.ProfileMerge,
    survivor: customer_pb2.Profile,
    restored: customer_pb2.Profile,
    actor: Actor,
) -> Event:
    return _profile_event(
        events_pb2.ProfilesUnmerged,
        "omni.customer.profile.unmerged",
        restored,
        actor,
        None,
        merge=merge,
        survivor=survivor,
        restored=restored,
    )


def profile_erased(profile: customer_pb2.Profile, actor: Actor) -> Event:
    return _profile_event(
        events_pb2.ProfileErased,
        "omni.customer.profile.erased",
        profile,
        actor,
        None,
        profile_id=profile.id,
    )


def timeline_entry_added(entry: customer_pb2.TimelineEntry) -> Event:
    return make_event(
        events_pb2.TimelineEntryAdded,
        "omni.customer.timeline.entry_added",
        source="customer",
        aggregate_type="profile",
        aggregate_id=entry.profile_id,
        channel=entry.channel,
        actor=entry.actor,
        causation_id=entry.source_event_id,
        entry=entry,
    )


def loyalty_adjusted(
    profile: customer_pb2.Profile, delta: int, reason: str, order_id: str, actor: Actor
) -> Event:
    return _profile_event(
        events_pb2.LoyaltyAdjusted,
        "omni.customer.loyalty.adjusted",
        profile,
        actor,
        None,
        profile_id=profile.id,
        points_delta=delta,
        points_balance=profile.loyalty.points_balance,
        reason=reason,
        order_id=order_id,
    )
