"""Sending through the real customer service's answer (consents, preferred channel, quiet
hours), a real SMTP server and a real HTTP webhook receiver."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import grpc
import pytest
from google.protobuf import struct_pb2
from notification_helpers import Customers, Mailbox, Receiver, eventually, published

from omni.common.v1 import common_pb2
from omni.customer.v1 import customer_pb2, customer_pb2_grpc
from omni.notification.v1 import events_pb2, notification_pb2_grpc
from omni.notification.v1 import notification_pb2 as N
from omni_kit.errors import error_details
from omni_kit.idempotency import call_metadata

EMAIL = common_pb2.CONTACT_CHANNEL_EMAIL
SMS = common_pb2.CONTACT_CHANNEL_SMS
TRANSACTIONAL = common_pb2.CONTACT_PURPOSE_TRANSACTIONAL
MARKETING = common_pb2.CONTACT_PURPOSE_MARKETING
STAFF = common_pb2.Actor(kind=common_pb2.ACTOR_KIND_STAFF, id="stf_1", display="Bo")


@dataclass
class World:
    notifications: notification_pb2_grpc.NotificationServiceStub
    customers: Customers
    mailbox: Mailbox
    sms: Receiver

    async def send(self, key: str, customer_id: str, **fields: Any) -> N.Notification:
        fields.setdefault("purpose", TRANSACTIONAL)
        fields.setdefault("body", "Your parcel is ready")
        reply = await self.notifications.SendNotification(
            N.SendNotificationRequest(customer_id=customer_id, actor=STAFF, **fields),
            metadata=call_metadata(key, "staff:stf_1"),
        )
        return reply.notification

    async def get(self, notification_id: str) -> N.Notification:
        reply = await self.notifications.GetNotification(
            N.GetNotificationRequest(notification_id=notification_id)
        )
        return reply.notification

    async def settled(self, notification_id: str, *statuses: int) -> N.Notification:
        async def check() -> N.Notification | None:
            notification = await self.get(notification_id)
            return notification if notification.status in statuses else None

        return await eventually(check)


@pytest.fixture
async def world(start_app, connect, smtp_server, webhook_receiver, tmp_path) -> World:
    mailbox, smtp_port = smtp_server
    receiver, sms_url = webhook_receiver
    customer = await start_app("customer")
    notification = await start_app(
        "notification",
        customer_addr=f"127.0.0.1:{customer.port}",
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        smtp_security="none",
        sms_webhook_url=sms_url,
        outbound_allow_http=True,
        outbound_allow_private_networks=True,
        sink_dir=tmp_path,
        provider_timeout_seconds=0.5,
        retry_first_seconds=0.2,
        max_attempts_per_channel=2,
        scheduler_interval_seconds=0.1,
    )
    return World(
        notification_pb2_grpc.NotificationServiceStub(connect(notification)),
        Customers(customer_pb2_grpc.CustomerServiceStub(connect(customer))),
        mailbox,
        receiver,
    )


async def test_a_staff_message_is_sent_once_by_email_and_announced(world, nc):
    ana = await world.customers.create("ana@example.com", name="Ana")
    queued = await world.send("req-1", ana, subject="Hello", body="Your parcel is ready")
    assert queued.status == N.NOTIFICATION_STATUS_QUEUED

    sent = await world.settled(queued.id, N.NOTIFICATION_STATUS_SENT)
    assert (sent.channel, sent.recipient) == (EMAIL, "ana@example.com")
    assert [a.outcome for a in sent.attempts] == [N.DELIVERY_OUTCOME_ACCEPTED]
    [mail] = world.mailbox.messages
    assert mail["Subject"] == "Hello"
    assert mail["To"] == "ana@example.com"

    again = await world.send("req-1", ana, subject="Hello", body="Your parcel is ready")
    assert again.id == queued.id
    event = await published(
        nc,
        "omni.notification.notification.sent",
        events_pb2.NotificationSent,
        lambda e: e.notification.id == queued.id,
    )
    assert event.notification.customer_id == ana
    assert event.meta.source == "notification"
    assert len(world.mailbox.messages) == 1

    async def on_timeline() -> list[customer_pb2.TimelineEntry]:
        reply = await world.customers.stub.ListTimeline(
            customer_pb2.ListTimelineRequest(
                profile_id=ana, types=[customer_pb2.TIMELINE_ENTRY_TYPE_NOTIFICATION]
            )
        )
        return [e for e in reply.entries if e.ref.id == queued.id]

    [entry] = await eventually(on_timeline)
    assert entry.attributes["status"] == "sent"
    assert entry.attributes["contact_channel"] == "email"


async def test_a_failing_preferred_channel_falls_back_to_the_next_allowed_one(world):
    ana = await world.customers.create(
        "ana@example.com",
        phone="+4915112345678",
        preferences=customer_pb2.Preferences(preferred_channel=SMS),
    )
    world.sms.status = 503
    queued = await world.send("req-2", ana)
    sent = await world.settled(queued.id, N.NOTIFICATION_STATUS_SENT)
    assert sent.channel == EMAIL
    assert [(a.channel, a.outcome) for a in sent.attempts] == [
        (SMS, N.DELIVERY_OUTCOME_FAILED),
        (EMAIL, N.DELIVERY_OUTCOME_ACCEPTED),
    ]
    assert len(world.sms.requests) == 1
    assert len(world.mailbox.messages) == 1


async def test_a_hanging_provider_is_timed_out_retried_and_blocks_no_other_send(world, nc):
    bo = await world.customers.create("bo@example.com", phone="+4915100000001")
    ana = await world.customers.create("ana@example.com")
    world.sms.hang = True

    stuck = await world.send("req-sms", bo, channel=SMS)
    await eventually(lambda: world.sms.requests)
    other = await world.send("req-mail", ana)
    await world.settled(other.id, N.NOTIFICATION_STATUS_SENT)
    assert (await world.get(stuck.id)).status == N.NOTIFICATION_STATUS_QUEUED

    failed = await world.settled(stuck.id, N.NOTIFICATION_STATUS_FAILED)
    assert [(a.channel, a.outcome) for a in failed.attempts] == [
        (SMS, N.DELIVERY_OUTCOME_TIMED_OUT),
        (SMS, N.DELIVERY_OUTCOME_TIMED_OUT),
    ]
    assert "every allowed channel failed" in failed.status_reason
    event = await published(
        nc,
        "omni.notification.notification.failed",
        events_pb2.NotificationFailed,
        lambda e: e.notification.id == stuck.id,
    )
    assert event.notification.status == N.NOTIFICATION_STATUS_FAILED


async def test_marketing_without_consent_and_withdrawn_channels_are_suppressed(world, nc):
    ana = await world.customers.create("ana@example.com")
    marketing = await world.send("req-promo", ana, purpose=MARKETING, body="Sale!")
    suppressed = await world.settled(marketing.id, N.NOTIFICATION_STATUS_SUPPRESSED_BY_PREFERENCE)
    assert "marketing" in suppressed.status_reason
    assert not suppressed.attempts

    await world.customers.consent(ana, EMAIL, TRANSACTIONAL, granted=False)
    withdrawn = await world.send("req-tx", ana)
    await world.settled(withdrawn.id, N.NOTIFICATION_STATUS_SUPPRESSED_BY_PREFERENCE)
    event = await published(
        nc,
        "omni.notification.notification.suppressed",
        events_pb2.NotificationSuppressed,
        lambda e: e.notification.id == withdrawn.id,
    )
    assert event.notification.customer_id == ana

    await world.customers.consent(ana, EMAIL, MARKETING, granted=True)
    allowed = await world.send("req-promo-2", ana, purpose=MARKETING, body="Sale!")
    await world.settled(allowed.id, N.NOTIFICATION_STATUS_SENT)
    assert len(world.mailbox.messages) == 1


async def test_quiet_hours_delay_ordinary_messages_but_not_urgent_ones(world):
    always_quiet = customer_pb2.Preferences(
        quiet_hours=customer_pb2.QuietHours(start="00:00", end="23:59"), time_zone="UTC"
    )
    ana = await world.customers.create("ana@example.com", preferences=always_quiet)
    ordinary = await world.send("req-late", ana)
    delayed = await world.settled(ordinary.id, N.NOTIFICATION_STATUS_DELAYED_QUIET_HOURS)
    assert delayed.scheduled_at.ToDatetime() > delayed.created_at.ToDatetime()

    urgent = await world.send("req-urgent", ana, urgent=True)
    await world.settled(urgent.id, N.NOTIFICATION_STATUS_SENT)
    assert len(world.mailbox.messages) == 1
    assert (await world.get(ordinary.id)).status == N.NOTIFICATION_STATUS_DELAYED_QUIET_HOURS


async def test_a_delivery_receipt_marks_the_message_delivered(world, nc):
    bo = await world.customers.create("bo@example.com", phone="+4915100000002")
    queued = await world.send("req-r", bo, channel=SMS)
    sent = await world.settled(queued.id, N.NOTIFICATION_STATUS_SENT)
    provider_id = sent.attempts[-1].provider_message_id
    assert provider_id == "m-1"

    receipt = await world.notifications.RecordDeliveryReceipt(
        N.RecordDeliveryReceiptRequest(
            provider="sms-webhook",
            provider_message_id=provider_id,
            outcome=N.DELIVERY_OUTCOME_DELIVERED,
        )
    )
    assert receipt.notification.status == N.NOTIFICATION_STATUS_DELIVERED
    assert (await world.get(queued.id)).delivered_at.seconds > 0
    await published(
        nc,
        "omni.notification.notification.delivered",
        events_pb2.NotificationDelivered,
        lambda e: e.notification.id == queued.id,
    )

    with pytest.raises(grpc.aio.AioRpcError) as unknown:
        await world.notifications.RecordDeliveryReceipt(
            N.RecordDeliveryReceiptRequest(
                provider="sms-webhook",
                provider_message_id="nope",
                outcome=N.DELIVERY_OUTCOME_DELIVERED,
            )
        )
    assert unknown.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.aio.AioRpcError) as bad:
        await world.notifications.RecordDeliveryReceipt(
            N.RecordDeliveryReceiptRequest(provider="sms-webhook", provider_message_id="m-1")
        )
    assert error_details(bad.value).field == "outcome"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"key": ""}, "Idempotency-Key"),
        ({"customer_id": ""}, "customer_id"),
        ({"purpose": 0}, "purpose"),
        ({"channel": common_pb2.CONTACT_CHANNEL_PHONE_CALL}, "channel"),
        ({"body": ""}, "body"),
        ({"template_id": "tpl_x"}, "template_id"),
        # A key no document can hold (it was an internal error at the store).
        (
            {"variables": struct_pb2.Struct(fields={"a\x00b": struct_pb2.Value(number_value=1)})},
            "variables",
        ),
    ],
)
async def test_bad_sends_are_refused_naming_the_field_and_record_nothing(world, fields, field):
    request = {"customer_id": "cus_1", "purpose": TRANSACTIONAL, "body": "x", **fields}
    key = request.pop("key", "req-bad")
    metadata = call_metadata(key, "staff:stf_1") if key else None
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await world.notifications.SendNotification(
            N.SendNotificationRequest(**request), metadata=metadata
        )
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_details(refused.value).field == field
    listed = await world.notifications.ListNotifications(N.ListNotificationsRequest())
    assert not listed.notifications


async def test_a_staff_template_send_needs_its_variables_and_lists_newest_first(world):
    ana = await world.customers.create("ana@example.com", name="Ana")
    template = (
        await world.notifications.UpsertTemplate(
            N.UpsertTemplateRequest(
                template=N.Template(
                    event_type="staff.apology",
                    channel=EMAIL,
                    language="en",
                    subject="Sorry, {{ customer_name }}",
                    body="Here is {{ voucher }}.",
                )
            )
        )
    ).template
    with pytest.raises(grpc.aio.AioRpcError) as missing:
        await world.send("req-t0", ana, template_id=template.id, body="")
    assert error_details(missing.value).field == "variables.voucher"

    values = struct_pb2.Struct()
    values.update({"voucher": "SORRY10"})
    first = await world.send("req-t1", ana, template_id=template.id, body="", variables=values)
    sent = await world.settled(first.id, N.NOTIFICATION_STATUS_SENT)
    assert sent.message.subject == "Sorry, Ana"
    assert sent.message.body == "Here is SORRY10."
    assert (sent.template_id, sent.template_version) == (template.id, 1)
    second = await world.send("req-t2", ana, body="Another")
    await world.settled(second.id, N.NOTIFICATION_STATUS_SENT)

    page = await world.notifications.ListNotifications(
        N.ListNotificationsRequest(customer_id=ana, page_size=1)
    )
    rest = await world.notifications.ListNotifications(
        N.ListNotificationsRequest(customer_id=ana, page_size=1, page_token=page.next_page_token)
    )
    assert [n.id for n in [*page.notifications, *rest.notifications]] == [second.id, first.id]
    with pytest.raises(grpc.aio.AioRpcError) as negative:
        await world.notifications.ListNotifications(N.ListNotificationsRequest(page_size=-1))
    assert error_details(negative.value).field == "page_size"
