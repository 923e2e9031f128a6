"""The interaction timeline: staff entries, filters, and what erasure leaves of an entry."""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum

from omni_customer.domain.values import Actor, ActorKind, ChannelRef
from omni_kit.errors import InvalidArgument


class EntryType(Enum):
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


@dataclass(frozen=True)
class ObjectRef:
    """What an entry is about: an order, a return, a merge..."""

    kind: str = ""
    id: str = ""


@dataclass(frozen=True)
class Entry:
    """One thing that happened with the customer, in any channel."""

    id: str = ""
    profile_id: str = ""
    type: EntryType | None = None
    channel: ChannelRef | None = None
    occurred_at: datetime | None = None
    actor: Actor | None = None
    summary: str = ""
    body: str = ""
    ref: ObjectRef | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    source_event_id: str = ""
    created_at: datetime | None = None


STAFF_TYPES = (
    EntryType.CALL_NOTE,
    EntryType.CHAT_TRANSCRIPT,
    EntryType.STORE_VISIT,
    EntryType.NOTE,
    EntryType.MESSAGE,
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
        names = ", ".join(f"TIMELINE_ENTRY_TYPE_{t.name}" for t in STAFF_TYPES)
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
    occurred_at = given.occurred_at or now
    if occurred_at > now + CLOCK_SKEW:
        raise InvalidArgument("entry.occurred_at is in the future", field="entry.occurred_at")
    return dataclasses.replace(
        given,
        summary=given.summary.strip(),
        source_event_id="",
        created_at=now,
        occurred_at=occurred_at,
    )


def erase(entry: Entry) -> Entry:
    """Keep that something happened and when; remove what was said and to whom."""
    return dataclasses.replace(
        entry,
        body="",
        summary=ERASED_TEXT if entry.type in STAFF_TYPES else entry.summary,
        attributes={k: v for k, v in entry.attributes.items() if k not in PERSONAL_ATTRIBUTES},
    )


def system_actor() -> Actor:
    return Actor(ActorKind.SYSTEM, "customer", "Customer service")
