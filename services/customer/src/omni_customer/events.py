"""What the customer service publishes (subjects omni.customer.<entity>.<event>)."""

from __future__ import annotations

from omni.common.v1 import common_pb2
from omni.customer.v1 import customer_pb2, events_pb2
from omni_kit.facts import Event, make_event

STREAM = "OMNI_CUSTOMER"
SUBJECTS = ["omni.customer.>"]


def profile_created(
    profile: customer_pb2.Profile, channel: common_pb2.ChannelRef, actor: common_pb2.Actor
) -> Event:
    return make_event(
        events_pb2.ProfileCreated,
        "omni.customer.profile.created",
        source="customer",
        aggregate_type="profile",
        aggregate_id=profile.id,
        aggregate_version=profile.version,
        channel=channel,
        actor=actor,
        profile=profile,
    )
