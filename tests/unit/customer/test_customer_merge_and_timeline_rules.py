"""Merge bookkeeping, timeline entries built from events and from staff, and page tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omni.common.v1 import common_pb2 as common
from omni.notification.v1 import events_pb2 as notification_events
from omni.notification.v1 import notification_pb2
from omni.order.v1 import events_pb2 as order_events
from omni.order.v1 import order_pb2
from omni_customer.domain import merge, timeline
from omni_customer.domain.addresses import CustomerAddress
from omni_customer.domain.identities import Identity, IdentityKind
from omni_customer.domain.loyalty import Loyalty
from omni_customer.domain.merge import MergeStatus, ProfileMerge
from omni_customer.domain.profiles import Profile, ProfileStatus
from omni_customer.domain.timeline import Entry, EntryType, ObjectRef
from omni_customer.domain.values import Actor, ActorKind, ChannelRef, SalesChannel
from omni_customer.events import entries as event_entries
from omni_kit import paging
from omni_kit.errors import FailedPrecondition, InvalidArgument
from omni_kit.protos import to_timestamp

NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


def person(profile_id: str, email: str, points: int, address_id: str) -> Profile:
    return Profile(
        id=profile_id,
        status=ProfileStatus.ACTIVE,
        identities=[Identity(IdentityKind.EMAIL, email)],
        addresses=[CustomerAddress(id=address_id, default_shipping=True, default_billing=True)],
        loyalty=Loyalty(points_balance=points),
    )


def test_merge_then_unmerge_gives_back_exactly_what_moved():
    survivor, merged = person("a", "a@x.de", 10, "adr_a"), person("b", "b@x.de", 5, "adr_b")
    record = ProfileMerge(id="m")
    merge.merge(survivor, merged, record)
    assert survivor.loyalty.points_balance == 15 and record.moved_points == 5
    assert [a.default_shipping for a in survivor.addresses] == [True, False]
    assert merged.status == ProfileStatus.MERGED and merged.merged_into_id == "a"
    with pytest.raises(FailedPrecondition):
        merge.merge(survivor, merged, ProfileMerge(id="again"))
    back = merge.unmerge(record, survivor, merged, Actor(), NOW)
    assert [i.value for i in back] == ["b@x.de"]
    assert [i.value for i in survivor.identities] == ["a@x.de"]
    assert [a.id for a in merged.addresses] == ["adr_b"]
    assert (survivor.loyalty.points_balance, merged.loyalty.points_balance) == (10, 5)
    assert record.status == MergeStatus.UNDONE and record.unmerged_at == NOW


def test_an_unmerge_is_refused_when_the_moved_points_were_spent():
    survivor, merged = person("a", "a@x.de", 0, "adr_a"), person("b", "b@x.de", 50, "adr_b")
    record = ProfileMerge(id="m")
    merge.merge(survivor, merged, record)
    survivor.loyalty = Loyalty(points_balance=20)
    with pytest.raises(FailedPrecondition) as refused:
        merge.unmerge(record, survivor, merged, Actor(), NOW)
    assert refused.value.reason == "LOYALTY_POINTS_SPENT"


def test_a_profile_is_never_merged_with_itself():
    with pytest.raises(InvalidArgument) as refused:
        merge.check_ids("cus_1", "cus_1")
    assert (refused.value.reason, refused.value.field) == ("SAME_PROFILE", "merged_id")


def test_order_events_without_a_customer_make_no_entry_and_others_link_the_order():
    anonymous = order_events.OrderPlaced(order=order_pb2.Order(id="o1"))
    assert event_entries.order_entry(anonymous, "e1", NOW) is None
    event = order_events.OrderShipped(
        meta=common.EventMeta(occurred_at=to_timestamp(NOW - timedelta(hours=1))),
        order=order_pb2.Order(id="o2", number="OM-2", customer_id="cus_1"),
        shipment=order_pb2.Shipment(carrier="DHL", tracking_number="T1"),
    )
    event.order.channel.channel = common.SALES_CHANNEL_APP
    found = event_entries.order_entry(event, "e2", NOW)
    assert found is not None and found.customer_id == "cus_1"
    assert found.entry.ref == ObjectRef("order", "o2")
    assert found.entry.attributes["tracking_number"] == "T1"
    assert found.entry.occurred_at == NOW - timedelta(hours=1)
    assert found.entry.id == timeline.entry_id("e2")
    assert found.entry.channel == ChannelRef(SalesChannel.APP)  # the event named none
    assert found.entry.actor == Actor(ActorKind.SYSTEM)


def test_a_suppressed_notification_says_why_on_the_timeline():
    event = notification_events.NotificationSuppressed(
        notification=notification_pb2.Notification(
            id="n1",
            customer_id="cus_1",
            channel=common.CONTACT_CHANNEL_EMAIL,
            status_reason="no marketing consent",
        )
    )
    found = event_entries.notification_entry(event, "e3", NOW)
    assert found is not None
    assert found.entry.summary.startswith("E-mail not sent (preferences)")
    assert found.entry.attributes["reason"] == "no marketing consent"


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        (Entry(type=EntryType.NOTE, summary="x"), "entry.profile_id"),
        (Entry(profile_id="c", type=EntryType.ORDER, summary="x"), "entry.type"),
        (Entry(profile_id="c", type=None, summary="x"), "entry.type"),
        (Entry(profile_id="c", type=EntryType.NOTE, summary=" "), "entry.summary"),
        (
            Entry(
                profile_id="c",
                type=EntryType.NOTE,
                summary="x",
                occurred_at=NOW + timedelta(days=1),
            ),
            "entry.occurred_at",
        ),
    ],
)
def test_staff_entries_are_checked(entry, field):
    with pytest.raises(InvalidArgument) as refused:
        timeline.staff_entry(entry, NOW)
    assert refused.value.field == field


def test_a_staff_entry_happened_now_unless_it_says_when_and_erasure_keeps_only_that():
    given = Entry(profile_id="c", type=EntryType.CALL_NOTE, summary=" Called ", body="secret")
    entry = timeline.staff_entry(given, NOW)
    assert (entry.summary, entry.occurred_at, entry.created_at) == ("Called", NOW, NOW)
    erased = timeline.erase(entry)
    assert (erased.summary, erased.body, erased.occurred_at) == ("(erased)", "", NOW)


@settings(max_examples=50, deadline=None)
@given(at=st.integers(0, 2**41), entry_id=st.text(min_size=1, max_size=40))
def test_page_tokens_round_trip(at, entry_id):
    token = paging.encode_cursor([at, entry_id])
    assert paging.decode_cursor(token, 2, kinds=(int, str)) == (at, entry_id)


@pytest.mark.parametrize("token", ["garbage", paging.encode_cursor(["x", "y"]), "W10="])
def test_foreign_page_tokens_are_refused(token):
    with pytest.raises(InvalidArgument) as refused:
        paging.decode_cursor(token, 2, kinds=(int, str))
    assert refused.value.field == "page_token"


def test_page_sizes_default_cap_and_refuse_negatives():
    assert paging.page_size(0) == 50
    assert paging.page_size(200) == 200
    for out_of_range in (-1, 1000):
        with pytest.raises(InvalidArgument):
            paging.page_size(out_of_range)
