"""Privacy: export everything stored about a customer; erase the person, keep the facts."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import Message

from omni.customer.v1 import customer_pb2
from omni_customer.domain.profiles import touch
from omni_kit.protos import to_timestamp


def erase(profile: customer_pb2.Profile, now: datetime) -> None:
    """Remove the person (names, identities, addresses, preferences); keep id, status, history
    of facts (orders, points) so other services can anonymize by id."""
    _strip(profile)
    profile.status = customer_pb2.PROFILE_STATUS_ERASED
    touch(profile, now)


def erase_merged(profile: customer_pb2.Profile, now: datetime) -> None:
    """A profile merged into an erased one: its personal fields go too; the link stays, so an
    old id still answers with the (erased) survivor."""
    _strip(profile)
    touch(profile, now)


def _strip(profile: customer_pb2.Profile) -> None:
    for field in ("display_name", "given_name", "family_name"):
        profile.ClearField(field)
    del profile.identities[:]
    del profile.addresses[:]
    profile.ClearField("preferences")


def export_document(
    *,
    profile: customer_pb2.Profile,
    merged_profiles: Iterable[customer_pb2.Profile],
    merges: Iterable[customer_pb2.ProfileMerge],
    timeline: Iterable[customer_pb2.TimelineEntry],
    consent_history: Iterable[Mapping[str, Any]],
    loyalty_ledger: Iterable[Mapping[str, Any]],
    exported_at: datetime,
) -> str:
    document = {
        "exported_at": _json(to_timestamp(exported_at)),
        "profile": _json(profile),
        "merged_profiles": [_json(p) for p in merged_profiles],
        "merges": [_json(m) for m in merges],
        "consent_history": [_plain(record) for record in consent_history],
        "loyalty_ledger": [_plain(record) for record in loyalty_ledger],
        "timeline": [_json(entry) for entry in timeline],
    }
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True)


def _json(message: Message) -> Any:
    return json_format.MessageToDict(message, preserving_proto_field_name=True)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, Mapping):
        return {("id" if key == "_id" else key): _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value
