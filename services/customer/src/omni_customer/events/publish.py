"""What the customer service publishes (subjects omni.customer.<entity>.<event>)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from google.protobuf import field_mask_pb2
from google.protobuf.message import Message

from omni.customer.v1 import events_pb2
from omni_customer.api.messages import (
    actor_message,
    channel_ref_message,
    consent_message,
    entry_message,
    merge_message,
    preferences_message,
    profile_message,
)
from omni_customer.domain.merge import ProfileMerge
from omni_customer.domain.preferences import Consent
from omni_customer.domain.profiles import Profile
from omni_customer.domain.timeline import Entry
from omni_customer.domain.values import Actor, ChannelRef
from omni_kit.facts import Event, make_event

Channel = ChannelRef | None


def _profile_event(
    message_type: type[Message],
    subject: str,
    aggregate: Profile,
    actor: Actor | None,
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
        channel=None if channel is None else channel_ref_message(channel),
        actor=None if actor is None else actor_message(actor),
        **fields,
    )


def profile_created(profile: Profile, channel: Channel, actor: Actor) -> Event:
    return _profile_event(
        events_pb2.ProfileCreated,
        "omni.customer.profile.created",
        profile,
        actor,
        channel,
        profile=profile_message(profile),
    )


def profile_updated(
    profile: Profile, changed: Sequence[str], actor: Actor, channel: Channel = None
) -> Event:
    return _profile_event(
        events_pb2.ProfileUpdated,
        "omni.customer.profile.updated",
        profile,
        actor,
        channel,
        profile=profile_message(profile),
        changed_fields=field_mask_pb2.FieldMask(paths=list(changed)),
    )


def preferences_changed(profile: Profile, actor: Actor, channel: Channel) -> Event:
    return _profile_event(
        events_pb2.PreferencesChanged,
        "omni.customer.preferences.changed",
        profile,
        actor,
        channel,
        profile_id=profile.id,
        preferences=preferences_message(profile.preferences),
    )


def consent_changed(profile: Profile, consent: Consent, previously_granted: bool) -> Event:
    return _profile_event(
        events_pb2.ConsentChanged,
        "omni.customer.consent.changed",
        profile,
        consent.recorded_by,
        consent.source,
        profile_id=profile.id,
        consent=consent_message(consent),
        previously_granted=previously_granted,
    )


def profiles_merged(merge: ProfileMerge, survivor: Profile, actor: Actor) -> Event:
    return _profile_event(
        events_pb2.ProfilesMerged,
        "omni.customer.profile.merged",
        survivor,
        actor,
        None,
        merge=merge_message(merge),
        survivor=profile_message(survivor),
    )


def profiles_unmerged(
    merge: ProfileMerge,
    survivor: Profile,
    restored: Profile,
    actor: Actor,
) -> Event:
    return _profile_event(
        events_pb2.ProfilesUnmerged,
        "omni.customer.profile.unmerged",
        restored,
        actor,
        None,
        merge=merge_message(merge),
        survivor=profile_message(survivor),
        restored=profile_message(restored),
    )


def profile_erased(profile: Profile, actor: Actor) -> Event:
    return _profile_event(
        events_pb2.ProfileErased,
        "omni.customer.profile.erased",
        profile,
        actor,
        None,
        profile_id=profile.id,
    )


def timeline_entry_added(entry: Entry) -> Event:
    return make_event(
        events_pb2.TimelineEntryAdded,
        "omni.customer.timeline.entry_added",
        source="customer",
        aggregate_type="profile",
        aggregate_id=entry.profile_id,
        channel=None if entry.channel is None else channel_ref_message(entry.channel),
        actor=None if entry.actor is None else actor_message(entry.actor),
        causation_id=entry.source_event_id,
        entry=entry_message(entry),
    )


def loyalty_adjusted(
    profile: Profile, delta: int, reason: str, order_id: str, actor: Actor
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
