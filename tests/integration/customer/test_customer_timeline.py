"""The interaction timeline: staff entries and entries from other services' events, one feed."""

from __future__ import annotations

from datetime import timedelta

import grpc
import pytest

from omni.common.v1 import common_pb2 as common
from omni.customer.v1 import customer_pb2 as pb
from omni.notification.v1 import events_pb2 as notification_events
from omni.notification.v1 import notification_pb2
from omni.order.v1 import events_pb2 as order_events
from omni.order.v1 import order_pb2
from omni_kit.errors import error_details
from omni_kit.idempotency import call_metadata
from omni_kit.ids import new_id, utcnow
from omni_kit.protos import to_timestamp

PHONE = common.ChannelRef(channel=common.SALES_CHANNEL_PHONE)
POS = common.ChannelRef(channel=common.SALES_CHANNEL_POS, store_id="store-berlin")
CONSULTANT = common.Actor(kind=common.ACTOR_KIND_STAFF, id="stf_1", display="Clara")


def meta(channel: common.ChannelRef | None = None) -> common.EventMeta:
    return common.EventMeta(event_id=new_id(), occurred_at=to_timestamp(utcnow()), channel=channel)


async def test_a_consultant_sees_every_channel_in_one_feed_newest_first(customer, wait_for):
    anna = await customer.email("anna@example.com", "Anna")
    months_ago = utcnow() - timedelta(days=180)
    note = pb.AddTimelineEntryRequest(
        entry=pb.TimelineEntry(
            profile_id=anna.id,
            type=pb.TIMELINE_ENTRY_TYPE_CALL_NOTE,
            channel=PHONE,
            actor=CONSULTANT,
            occurred_at=to_timestamp(months_ago),
            summary="Asked about a jacket in size M",
            body="Wants a call back when the M is in.",
            ref=pb.ObjectRef(kind="product", id="prod_jacket"),
        ),
    )
    call = await customer.stub.AddTimelineEntry(note, metadata=call_metadata("call-1", "stf_1"))
    again = await customer.stub.AddTimelineEntry(note, metadata=call_metadata("call-1", "stf_1"))
    assert again == call  # a retried request adds nothing
    await customer.stub.AddTimelineEntry(
        pb.AddTimelineEntryRequest(
            entry=pb.TimelineEntry(
                profile_id=anna.id,
                type=pb.TIMELINE_ENTRY_TYPE_STORE_VISIT,
                channel=POS,
                actor=CONSULTANT,
                summary="Tried on the jacket",
            )
        )
    )
    order = order_pb2.Order(
        id="ord_1",
        number="OM-7",
        customer_id=anna.id,
        channel=POS,
        delivery=order_pb2.Delivery(pickup_location_id="store-berlin"),
    )
    await customer.bus.publish(
        "omni.order.order.ready_for_pickup",
        order_events.OrderReadyForPickup(meta=meta(), order=order),
        event_id=new_id(),
    )
    sms = notification_pb2.Notification(
        id="ntf_1",
        customer_id=anna.id,
        channel=common.CONTACT_CHANNEL_SMS,
        event_type="omni.order.order.ready_for_pickup",
        recipient="+4915123456789",
        subject_id="ord_1",
    )
    for subject, message_type in [
        ("omni.notification.notification.sent", notification_events.NotificationSent),
        ("omni.notification.notification.delivered", notification_events.NotificationDelivered),
    ]:
        await customer.bus.publish(
            subject, message_type(meta=meta(), notification=sms), event_id=new_id()
        )
    subscription = notification_pb2.BackInStockSubscription(
        id="sub_1",
        customer_id=anna.id,
        sku="JACKET-M",
        location_id="store-berlin",
        channel=common.ChannelRef(channel=common.SALES_CHANNEL_WEB),
    )
    await customer.bus.publish(
        "omni.notification.subscription.created",
        notification_events.BackInStockSubscribed(meta=meta(), subscription=subscription),
        event_id=new_id(),
    )
    # An event about a customer this service does not know is skipped, not retried forever.
    await customer.bus.publish(
        "omni.order.order.ready_for_pickup",
        order_events.OrderReadyForPickup(
            meta=meta(), order=order_pb2.Order(id="ord_x", customer_id="cus_unknown")
        ),
        event_id=new_id(),
    )

    async def feed(**filters):
        reply = await customer.stub.ListTimeline(
            pb.ListTimelineRequest(profile_id=anna.id, **filters)
        )
        return list(reply.entries)

    entries = await wait_for(feed, lambda found: len(found) == 6)
    assert entries[-1].summary == "Asked about a jacket in size M"  # oldest last
    assert entries[-1].ref.id == "prod_jacket" and entries[-1].actor.display == "Clara"
    kinds = {e.type for e in entries}
    assert kinds == {
        pb.TIMELINE_ENTRY_TYPE_CALL_NOTE,
        pb.TIMELINE_ENTRY_TYPE_STORE_VISIT,
        pb.TIMELINE_ENTRY_TYPE_PICKUP,
        pb.TIMELINE_ENTRY_TYPE_NOTIFICATION,
        pb.TIMELINE_ENTRY_TYPE_BACK_IN_STOCK_SUBSCRIPTION,
    }
    times = [e.occurred_at.ToDatetime() for e in entries]
    assert times == sorted(times, reverse=True)
    notified = [e for e in entries if e.type == pb.TIMELINE_ENTRY_TYPE_NOTIFICATION]
    assert sorted(e.attributes["status"] for e in notified) == ["delivered", "sent"]
    assert all(e.ref.kind == "notification" and e.ref.id == "ntf_1" for e in notified)

    at_store = await feed(channels=[common.SALES_CHANNEL_POS])
    assert {e.type for e in at_store} == {
        pb.TIMELINE_ENTRY_TYPE_STORE_VISIT,
        pb.TIMELINE_ENTRY_TYPE_PICKUP,
    }
    calls = await feed(types=[pb.TIMELINE_ENTRY_TYPE_CALL_NOTE])
    assert [e.id for e in calls] == [call.entry.id]

    pages, token = [], ""
    while True:
        reply = await customer.stub.ListTimeline(
            pb.ListTimelineRequest(profile_id=anna.id, page_size=4, page_token=token)
        )
        pages.append([e.id for e in reply.entries])
        token = reply.next_page_token
        if not token:
            break
    assert [len(p) for p in pages] == [4, 2]
    assert [i for page in pages for i in page] == [e.id for e in entries]


@pytest.mark.parametrize(
    ("request_fields", "field"),
    [
        ({"page_size": -1}, "page_size"),
        ({"page_token": "not-a-token"}, "page_token"),
        ({"types": [99]}, "types"),
    ],
)
async def test_bad_timeline_queries_name_the_field(customer, request_fields, field):
    anna = await customer.email("anna@example.com")
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await customer.stub.ListTimeline(
            pb.ListTimelineRequest(profile_id=anna.id, **request_fields)
        )
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_details(refused.value).field == field


async def test_staff_cannot_write_entries_that_belong_to_events(customer):
    anna = await customer.email("anna@example.com")
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await customer.stub.AddTimelineEntry(
            pb.AddTimelineEntryRequest(
                entry=pb.TimelineEntry(
                    profile_id=anna.id, type=pb.TIMELINE_ENTRY_TYPE_ORDER, summary="fake order"
                )
            )
        )
    assert error_details(refused.value).field == "entry.type"
    reply = await customer.stub.ListTimeline(pb.ListTimelineRequest(profile_id=anna.id))
    assert list(reply.entries) == []
