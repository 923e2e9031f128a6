"""Stored documents keep the shape the contract-mapped code wrote (`omni_kit.protos.to_document`
of the protobuf message): the service's own types read them and write them back identically, and
map to the same gRPC messages as before."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from omni.common.v1 import common_pb2 as common
from omni.customer.v1 import customer_pb2 as pb
from omni_customer.api import messages
from omni_customer.domain.identities import IdentityKind
from omni_customer.domain.profiles import ProfileStatus
from omni_customer.domain.values import ContactChannel, SalesChannel
from omni_customer.store import documents
from omni_kit.errors import InvalidArgument
from omni_kit.protos import to_document, to_timestamp

T0 = to_timestamp(datetime(2026, 1, 2, 3, 4, 5, 678_000, tzinfo=UTC))
T1 = to_timestamp(datetime(2026, 2, 3, 4, 5, 6, tzinfo=UTC))
STAFF = common.Actor(kind=common.ACTOR_KIND_STAFF, id="usr_1", display="Eve")
IN_STORE = common.ChannelRef(channel=common.SALES_CHANNEL_POS, store_id="st_1")


def full_profile() -> pb.Profile:
    return pb.Profile(
        id="cus_1",
        version=7,
        status=pb.PROFILE_STATUS_ACTIVE,
        display_name="Anna K",
        given_name="Anna",
        family_name="Kowalska",
        identities=[
            pb.Identity(
                kind=pb.IDENTITY_KIND_EMAIL,
                value="anna@example.com",
                verified=True,
                source_channel=common.SALES_CHANNEL_WEB,
                added_at=T0,
            ),
            pb.Identity(
                kind=pb.IDENTITY_KIND_MARKETPLACE_BUYER,
                value="B-1",
                partner_id="ptn_1",
                added_at=T1,
            ),
        ],
        addresses=[
            pb.CustomerAddress(
                id="adr_1",
                label="home",
                address=common.Address(
                    name="Anna",
                    lines=["Main 1", "Flat 2"],
                    city="Berlin",
                    postal_code="10115",
                    region="BE",
                    country_code="DE",
                    phone="+4915123456789",
                ),
                geo=common.GeoPoint(lat=52.52, lng=13.405),
                default_shipping=True,
                default_billing=True,
            ),
            # A point at 0,0 is still a point: stored as {}.
            pb.CustomerAddress(id="adr_2", address=common.Address(), geo=common.GeoPoint()),
        ],
        preferences=pb.Preferences(
            consents=[
                pb.Consent(
                    channel=common.CONTACT_CHANNEL_SMS,
                    purpose=common.CONTACT_PURPOSE_MARKETING,
                    granted=True,
                    source=IN_STORE,
                    recorded_by=STAFF,
                    recorded_at=T0,
                ),
                pb.Consent(
                    channel=common.CONTACT_CHANNEL_PHONE_CALL,
                    purpose=common.CONTACT_PURPOSE_TRANSACTIONAL,
                    source=common.ChannelRef(),
                    recorded_by=common.Actor(),
                    recorded_at=T1,
                ),
            ],
            preferred_channel=common.CONTACT_CHANNEL_MESSENGER,
            quiet_hours=pb.QuietHours(start="22:00", end="07:00"),
            time_zone="Europe/Berlin",
            language="de",
            preferred_messenger=pb.IDENTITY_KIND_TELEGRAM,
        ),
        loyalty=pb.Loyalty(points_balance=2**40, updated_at=T1),
        source_channel=common.SALES_CHANNEL_POS,
        created_at=T0,
        updated_at=T1,
        unverified_contacts=[
            pb.Identity(kind=pb.IDENTITY_KIND_PHONE, value="+4915123456780", added_at=T0)
        ],
        source_store_id="st_1",
    )


PROFILES = [
    full_profile(),
    pb.Profile(id="cus_2", version=1, status=pb.PROFILE_STATUS_ACTIVE, created_at=T0),
    pb.Profile(
        id="cus_3",
        version=4,
        status=pb.PROFILE_STATUS_MERGED,
        merged_into_id="cus_1",
        preferences=pb.Preferences(quiet_hours=pb.QuietHours()),
        loyalty=pb.Loyalty(updated_at=T0),
    ),
]


@pytest.mark.parametrize("message", PROFILES, ids=lambda m: m.id)
def test_a_stored_profile_reads_into_the_domain_and_writes_back_identically(message):
    stored = to_document(message)
    profile = documents.to_profile(stored)
    assert documents.profile_document(profile) == stored
    assert messages.profile_message(profile) == message


def test_the_domain_reads_the_stored_spellings():
    profile = documents.to_profile(to_document(full_profile()))
    assert profile.status is ProfileStatus.ACTIVE
    assert profile.identities[0].kind is IdentityKind.EMAIL
    assert profile.identities[0].added_at == datetime(2026, 1, 2, 3, 4, 5, 678_000, tzinfo=UTC)
    assert profile.preferences.preferred_channel is ContactChannel.MESSENGER
    assert profile.source_channel is SalesChannel.POS
    assert profile.loyalty.points_balance == 2**40


def test_an_empty_part_reads_as_absent():
    """Profiles a merge stored with `loyalty: {}` read as without it (both are zero points)."""
    stored = to_document(pb.Profile(id="cus_4", version=2, loyalty=pb.Loyalty()))
    assert stored["loyalty"] == {}
    profile = documents.to_profile(stored)
    assert profile == documents.to_profile({"_id": "cus_4", "version": 2})
    assert "loyalty" not in documents.profile_document(profile)


def merge_message() -> pb.ProfileMerge:
    return pb.ProfileMerge(
        id="mrg_1",
        survivor_id="cus_1",
        merged_id="cus_3",
        status=pb.MERGE_STATUS_UNDONE,
        reason="same person",
        merged_by=STAFF,
        merged_at=T0,
        unmerged_by=common.Actor(),
        unmerged_at=T1,
        moved_identities=[pb.Identity(kind=pb.IDENTITY_KIND_PHONE, value="+4915123456780")],
        moved_address_ids=["adr_9"],
    )


@pytest.mark.parametrize("moved_points", [0, 120])
def test_a_stored_merge_keeps_its_shape_and_the_points_it_moved(moved_points):
    stored = {**to_document(merge_message()), "moved_points": moved_points}
    merge = documents.to_merge(stored)
    assert merge.moved_points == moved_points
    assert documents.merge_document(merge) == stored
    assert messages.merge_message(merge) == merge_message()


ENTRIES = [
    pb.TimelineEntry(
        id="tle_1",
        profile_id="cus_1",
        type=pb.TIMELINE_ENTRY_TYPE_ORDER,
        channel=common.ChannelRef(channel=common.SALES_CHANNEL_MARKETPLACE, partner_id="ptn_1"),
        occurred_at=T0,
        actor=common.Actor(kind=common.ACTOR_KIND_SYSTEM, id="order"),
        summary="Order OM-1 confirmed (12.00 EUR)",
        body="",
        ref=pb.ObjectRef(kind="order", id="ord_1"),
        attributes={"order_id": "ord_1", "status": "confirmed"},
        source_event_id="evt_1",
        created_at=T1,
    ),
    # An event without a channel: the entry carries an empty one.
    pb.TimelineEntry(
        id="tle_2",
        profile_id="cus_1",
        type=pb.TIMELINE_ENTRY_TYPE_CALL_NOTE,
        channel=common.ChannelRef(),
        occurred_at=T0,
        actor=STAFF,
        summary="Called about the parcel",
        body="Long talk",
        created_at=T0,
    ),
]


@pytest.mark.parametrize("message", ENTRIES, ids=lambda m: m.id)
def test_a_stored_timeline_entry_reads_and_writes_back_identically(message):
    stored = to_document(message)
    entry = documents.to_entry(stored)
    assert documents.entry_document(entry) == stored
    assert messages.entry_message(entry) == message


def test_a_consent_record_has_the_consent_shape():
    consent = full_profile().preferences.consents[0]
    profile = documents.to_profile(to_document(full_profile()))
    assert documents.consent_document(profile.preferences.consents[0]) == to_document(consent)


def test_an_enum_value_this_code_does_not_know_is_absent_or_refused_naming_the_field():
    assert messages.IDENTITY_KIND.of(99) is None
    assert messages.IDENTITY_KIND.of(0) is None
    with pytest.raises(InvalidArgument) as refused:
        messages.preferences(pb.Preferences(preferred_channel=42))  # type: ignore[arg-type]
    assert refused.value.field == "preferences.preferred_channel"
