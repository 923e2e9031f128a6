"""The interaction timeline: staff entries, filters, and what erasure leaves of an entry."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from omni.common.v1 import common_pb2
from omni.customer.v1 import customer_pb2
from omni_kit.errors import InvalidArgument
from omni_kit.protos import to_timestamp

Entry = customer_pb2.TimelineEntry

STAFF_TYPES = (
    customer_pb2.TIMELINE_ENTRY_TYPE_CALL_NOTE,
    customer_pb2.TIMELINE_ENTRY_TYPE_CHAT_TRANSCRIPT,
    customer_pb2.TIMELINE_ENTRY_TYPE_STORE_VISIT,
    customer_pb2.TIMELINE_ENTRY_TYPE_NOTE,
    customer_pb2.TIMELINE_ENTRY_TYPE_MESSAGE,
)
MAX_SUMMARY = 500
MAX_BODY = 100_000
# Attributes that can identify the person (addresses used for a message).
PERSONAL_ATTRIBUTES = ("recipient",)
ERASED_TEXT = "(erased)"
# Staff devices' clocks may run a little ahead.
CLOCK_SKEW = timedelta(minutes=5)


def entry_id(seed: str) -> str:
    """A stable id for an entry made from an event or a request id: the same seed, one entry."""
    return "tle_" + hashlib.sha256(seed.encode()).hexdigest()[:32]


def staff_entry(given: Entry, now: datetime) -> Entry:
    """A validated copy of a staff entry (call note, chat transcript, store visit...)."""
    if not given.profile_id:
        raise InvalidArgument("entry.profile_id is required", field="entry.profile_id")
    if given.type not in STAFF_TYPES:
        names = ", ".join(customer_pb2.TimelineEntryType.Name(t) for t in STAFF_TYPES)
        raise InvalidArgument(
            f"staff can add entries of type {names}; the others come from events",
            field="entry.type",
        )
    if not given.summary.strip():
        raise InvalidArgument("entry.summary is required", field="entry.summary")
    if len(given.summary) > MAX_SUMMARY:
        raise InvalidArgument(
            f"entry.summary is longer than {MAX_SUMMARY} characters", field="entry.summary"
        )
    if len(given.body) > MAX_BODY:
        raise InvalidArgument(
            f"entry.body is longer than {MAX_BODY} characters", field="entry.body"
        )
    if given.channel.channel not in common_pb2.SalesChannel.values():
        raise InvalidArgument("unknown sales channel", field="entry.channel.channel")
    entry = Entry()
    entry.CopyFrom(given)
    entry.summary = given.summary.strip()
    entry.source_event_id = ""
    entry.created_at.CopyFrom(to_timestamp(now))
    if not entry.HasField("occurred_at"):
        entry.occurred_at.CopyFrom(entry.created_at)
    elif entry.occurred_at.ToDatetime() > now.replace(tzinfo=None) + CLOCK_SKEW:
        raise InvalidArgument("entry.occurred_at is in the future", field="entry.occurred_at")
    return entry


def check_filters(channels: list[int], types: list[int]) -> None:
    for channel in channels:
        if channel not in common_pb2.SalesChannel.values():
            raise InvalidArgument(f"unknown sales channel {channel}", field="channels")
    for kind in types:
        if kind not in customer_pb2.TimelineEntryType.values():
            raise InvalidArgument(f"unknown timeline entry type {kind}", field="types")


def erase(entry: Entry) -> None:
    """Keep that something happened and when; remove what was said and to whom."""
    entry.body = ""
    if entry.type in STAFF_TYPES:
        entry.summary = ERASED_TEXT
    for key in PERSONAL_ATTRIBUTES:
        entry.attributes.pop(key, None)


def system_actor() -> common_pb2.Actor:
    return common_pb2.Actor(
        kind=common_pb2.ACTOR_KIND_SYSTEM, id="customer", display="Customer service"
    )
