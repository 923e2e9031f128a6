"""Everything stored about a customer (the right of access and portability), as one document:
the profile and the profiles merged into it, merges, consent history, loyalty ledger, timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from google.protobuf import json_format

from omni.common.v1 import common_pb2
from omni.customer.v1 import customer_pb2 as P
from omni_gateway.views.common import View
from omni_gateway.views.profile import (
    Merge,
    StaffConsent,
    StaffProfile,
    merge_view,
    staff_consent_view,
    staff_profile_view,
)
from omni_gateway.views.timeline import (
    ACTOR_KIND,
    Actor,
    StaffTimelineEntry,
    staff_timeline_entry,
)


class LoyaltyRecord(View):
    """One change of the points balance: an order's points or a correction by staff."""

    id: str
    delta: int
    balance: int
    reason: str
    order_id: str | None
    actor: Actor | None
    at: datetime


class ProfileExport(View):
    exported_at: datetime
    profile: StaffProfile
    merged_profiles: list[StaffProfile]
    merges: list[Merge]
    consent_history: list[StaffConsent]
    loyalty_ledger: list[LoyaltyRecord]
    timeline: list[StaffTimelineEntry]


class _Record(msgspec.Struct):
    """A ledger record as the customer service writes it in its export."""

    id: str
    delta: int
    balance: int
    at: datetime
    reason: str = ""
    order_id: str = ""
    actor: dict[str, str] = {}


def _parse(data: Any, message: type[Any]) -> Any:
    return json_format.ParseDict(data, message(), ignore_unknown_fields=True)


def _loyalty(record: _Record) -> LoyaltyRecord:
    kind = record.actor.get("kind", "")
    number = dict(common_pb2.ActorKind.items()).get(kind, 0)
    actor = Actor(kind=ACTOR_KIND.public(number), id=record.actor.get("id", ""), display="")
    return LoyaltyRecord(
        id=record.id,
        delta=record.delta,
        balance=record.balance,
        reason=record.reason,
        order_id=record.order_id or None,
        actor=actor if record.actor else None,
        at=record.at,
    )


def profile_export(document: str) -> ProfileExport:
    """The customer service's export document, in the public shapes of its parts."""
    data = msgspec.json.decode(document)
    ledger = msgspec.convert(data.get("loyalty_ledger", []), list[_Record], strict=False)
    return ProfileExport(
        exported_at=msgspec.convert(data["exported_at"], datetime),
        profile=staff_profile_view(_parse(data["profile"], P.Profile)),
        merged_profiles=[
            staff_profile_view(_parse(p, P.Profile)) for p in data.get("merged_profiles", [])
        ],
        merges=[merge_view(_parse(m, P.ProfileMerge)) for m in data.get("merges", [])],
        consent_history=[
            staff_consent_view(_parse(c, P.Consent)) for c in data.get("consent_history", [])
        ],
        loyalty_ledger=[_loyalty(record) for record in ledger],
        timeline=[
            staff_timeline_entry(_parse(e, P.TimelineEntry)) for e in data.get("timeline", [])
        ],
    )
