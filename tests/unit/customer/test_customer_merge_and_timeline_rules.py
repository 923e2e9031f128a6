"""Merge bookkeeping, timeline entries built from events and from staff, and page tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omni.common.v1 import common_pb2 as common
from omni.customer.v1 import customer_pb2 as pb
from omni.notification.v1 import events_pb2 as notification_events
from omni.notification.v1 import notification_pb2
from omni.order.v1 import events_pb2 as order_events
from omni.order.v1 import order_pb2
from omni_customer.domain import event_entries, merge, timeline
from omni_kit import paging
from omni_kit.errors import FailedPrecondition, InvalidArgument
from omni_kit.protos import to_timestamp

NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


def person(profile_id: str, email: str, points: int, address_id: str) -> pb.Profile:
    return pb.Profile(
        id=profile_id,
        status=pb.PROFILE_STATUS_ACTIVE,
        identities=[pb.Identity(kind=pb.IDENTITY_KIND_EMAIL, value=email)],
        addresses=[pb.CustomerAddress(id=address_id, default_shipping=True, default_billing=True)],
        loyalty=pb.Loyalty(points_balance=points),
    )


def test_merge_then_unmerge_gives_back_exactly_what_moved():
    survivor, merged = person("a", "a@x.de", 10, "adr_a"), person("b", "b@x.de", 5, "adr_b")
    record = pb.ProfileMerge(id="m")
    merge.merge(survivor, merged, record)
    assert survivor.loyalty.points_balance == 15
    assert [a.default_shipping for a in survivor.addresses] == [True, False]
    assert merged.status == pb.PROFILE_STATUS_MERGED and merged.merged_into_id == "a"
    with pytest.raises(FailedPrecondition):
        merge.merge(survivor, merged, pb.ProfileMerge(id="again"))
    back = merge.unmerge(record, survivor, merged, 5, common.Actor(), NOW)
    assert [i.value for i in back] == ["b@x.de"]
    assert [i.value for i in survivor.identities] == ["a@x.de"]
    assert [a.id for a in merged.addresses] == ["adr_b"]
    assert (survivor.loyalty.points_balance, merged.loyalty.points_balance) == (10, 5)
    assert record.status == pb.MERGE_STATUS_UNDONE


def test_an_unmerge_is_refused_when_the_moved_points_were_spent():
    survivor, merged = person("a", "a@x.de", 0, "adr_a"), person("b", "b@x.de", 50, "adr_b")
    record = pb.ProfileMerge(id="m")
    merge.merge(survivor, merged, record)
    survivor.loyalty.points_balance = 20
    with pytest.raises(FailedPrecondition) as refused:
        merge.unmerge(record, survivor, merged, 50, common.Actor(), NOW)
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
    found = event_entries.order_entry(event, "e2", NOW)
    assert found is not None and found.customer_id == "cus_1"
    assert (found.entry.ref.kind, found.entry.ref.id) == ("order", "o2")
    assert found.entry.attributes["tracking_number"] == "T1"
    assert found.entry.occurred_at.ToDatetime(tzinfo=UTC) == NOW - timedelta(hours=1)
    assert found.entry.id == timeline.entry_id("e2")


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
        (pb.TimelineEntry(type=pb.TIMELINE_ENTRY_TYPE_NOTE, summary="x"), "entry.profile_id"),
        (
            pb.TimelineEntry(profile_id="c", type=pb.TIMELINE_ENTRY_TYPE_ORDER, summary="x"),
            "entry.type",
        ),
        (
            pb.TimelineEntry(profile_id="c", type=pb.TIMELINE_ENTRY_TYPE_NOTE, summary=" "),
            "entry.summary",
        ),
        (
            pb.TimelineEntry(
                profile_id="c",
                type=pb.TIMELINE_ENTRY_TYPE_NOTE,
                summary="x",
                occurred_at=to_timestamp(NOW + timedelta(days=1)),
            ),
            "entry.occurred_at",
        ),
    ],
)
def test_staff_entries_are_checked(entry, field):
    with pytest.raises(InvalidArgument) as refused:
        timeline.staff_entry(entry, NOW)
    assert refused.value.field == field


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
