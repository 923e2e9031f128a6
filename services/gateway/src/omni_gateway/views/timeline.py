"""A customer's timeline as the customer and as staff see it, and who did something (actors)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import msgspec

from omni.common.v1 import common_pb2
from omni.customer.v1 import customer_pb2 as P
from omni_gateway.security.principals import Channel
from omni_gateway.views.common import EnumMap, View, channel_of, when_set


class EntryType(StrEnum):
    ORDER = "order"
    PICKUP = "pickup"
    RETURN = "return"
    NOTIFICATION = "notification"
    BACK_IN_STOCK_SUBSCRIPTION = "back_in_stock_subscription"
    MESSAGE = "message"
    CALL_NOTE = "call_note"
    CHAT_TRANSCRIPT = "chat_transcript"
    STORE_VISIT = "store_visit"
    NOTE = "note"
    PROFILE = "profile"
    LOYALTY = "loyalty"


class ActorKind(StrEnum):
    CUSTOMER = "customer"
    STAFF = "staff"
    PARTNER = "partner"
    SYSTEM = "system"


ENTRY_TYPE = EnumMap(EntryType, P.TimelineEntryType, "TIMELINE_ENTRY_TYPE_")
ACTOR_KIND = EnumMap(ActorKind, common_pb2.ActorKind, "ACTOR_KIND_")


class Actor(View):
    """Who did something: a customer, a staff member, a partner or the system."""

    kind: ActorKind | None
    id: str
    display: str


class ObjectRef(View):
    """What an entry is about (an order, a return, a message...)."""

    kind: str
    id: str


class TimelineEntry(View, kw_only=True):
    id: str
    type: EntryType | None
    channel: Channel | None
    store_id: str | None = None
    occurred_at: datetime | None
    summary: str
    body: str
    ref: ObjectRef | None = None


class StaffTimelineEntry(TimelineEntry, kw_only=True):
    """Staff also see whose profile the entry is on (a merged profile's entries show on the
    survivor's timeline), who added it, the partner and the entry's attributes."""

    profile_id: str = ""
    partner_id: str | None = None
    actor: Actor | None = None
    attributes: dict[str, str]


class TimelinePage(View):
    entries: list[TimelineEntry]
    next_page_token: str = ""


class StaffTimelinePage(View):
    entries: list[StaffTimelineEntry]
    next_page_token: str = ""


def actor_or_none(holder: object, field: str) -> Actor | None:
    """The actor field of a message, or None when it is unset."""
    if not holder.HasField(field):  # type: ignore[attr-defined]
        return None
    actor: common_pb2.Actor = getattr(holder, field)
    return Actor(kind=ACTOR_KIND.public(actor.kind), id=actor.id, display=actor.display)


def timeline_entry(entry: P.TimelineEntry) -> TimelineEntry:
    return TimelineEntry(
        id=entry.id,
        type=ENTRY_TYPE.public(entry.type),
        channel=channel_of(entry.channel.channel),
        store_id=entry.channel.store_id or None,
        occurred_at=when_set(entry, "occurred_at"),
        summary=entry.summary,
        body=entry.body,
        ref=ObjectRef(kind=entry.ref.kind, id=entry.ref.id) if entry.HasField("ref") else None,
    )


def staff_timeline_entry(entry: P.TimelineEntry) -> StaffTimelineEntry:
    return StaffTimelineEntry(
        **msgspec.structs.asdict(timeline_entry(entry)),
        profile_id=entry.profile_id,
        partner_id=entry.channel.partner_id or None,
        actor=actor_or_none(entry, "actor"),
        attributes=dict(entry.attributes),
    )


def timeline_page(reply: P.ListTimelineResponse) -> TimelinePage:
    return TimelinePage([timeline_entry(e) for e in reply.entries], reply.next_page_token)


def staff_timeline_page(reply: P.ListTimelineResponse) -> StaffTimelinePage:
    return StaffTimelinePage(
        [staff_timeline_entry(e) for e in reply.entries], reply.next_page_token
    )
