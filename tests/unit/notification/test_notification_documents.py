"""The domain types read the documents the service stored before it had them (written with
`omni_kit.protos.to_document` from the contract's messages) and write them back identically, so
no data migration is needed; the API edge answers with the very messages those documents held."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from omni.common.v1 import common_pb2
from omni.inventory.v1 import inventory_pb2
from omni.notification.v1 import notification_pb2 as N
from omni_kit.errors import InvalidArgument
from omni_kit.protos import from_document, to_document, to_timestamp
from omni_notification.api import messages
from omni_notification.domain.common import ContactChannel, ContactPurpose
from omni_notification.domain.places import Address, DatedHours, Hours, Interval
from omni_notification.store import documents

EMAIL = common_pb2.CONTACT_CHANNEL_EMAIL
SMS = common_pb2.CONTACT_CHANNEL_SMS
AT = datetime(2026, 11, 23, 10, 15, 30, 123000, tzinfo=UTC)
LATER = datetime(2026, 11, 23, 10, 16, 2, 456000, tzinfo=UTC)


def stamp(when: datetime) -> object:
    return to_timestamp(when)


def sent_notification() -> N.Notification:
    """A notification with every field set: a failed SMS, then an e-mail accepted and delivered."""
    return N.Notification(
        id="ntf_1",
        customer_id="cus_1",
        event_type="omni.order.order.ready_for_pickup",
        source_event_id="evt_1",
        dedup_key="evt_1:cus_1:transactional",
        purpose=common_pb2.CONTACT_PURPOSE_TRANSACTIONAL,
        urgent=True,
        channel=EMAIL,
        recipient="ana@example.com",
        status=N.NOTIFICATION_STATUS_DELIVERED,
        template_id="tpl_1",
        template_version=3,
        message=N.RenderedMessage(
            channel=EMAIL, language="pl", subject="Gotowe", body="Kod K7", html_body="<b>K7</b>"
        ),
        attempts=[
            N.DeliveryAttempt(
                at=stamp(AT), channel=SMS, provider="sms-webhook", outcome=3, error="busy"
            ),
            N.DeliveryAttempt(
                at=stamp(AT),
                channel=EMAIL,
                provider="smtp",
                outcome=N.DELIVERY_OUTCOME_ACCEPTED,
                provider_message_id="<m1@omni.test>",
            ),
            N.DeliveryAttempt(
                at=stamp(LATER),
                channel=EMAIL,
                provider="smtp",
                outcome=N.DELIVERY_OUTCOME_DELIVERED,
                provider_message_id="<m1@omni.test>",
            ),
        ],
        status_reason="",
        scheduled_at=stamp(AT),
        actor=common_pb2.Actor(kind=common_pb2.ACTOR_KIND_SYSTEM, id="notification"),
        subject_id="ord_1",
        created_at=stamp(AT),
        sent_at=stamp(AT),
        delivered_at=stamp(LATER),
        updated_at=stamp(LATER),
    )


def stored_notification(message: N.Notification, **sender: object) -> dict:
    """The document as the service wrote it: the message plus the sender's own fields."""
    return to_document(message) | {
        "variables": {"order_number": "A-1", "pickup_deadline": LATER, "items": [{"qty": 2}]},
        "only_channel": 0,
        "preferred_channel": 2,
        "passes": 2,
        "dead_channels": [2],
        "lease": None,
        "lease_until": None,
        **sender,
    }


def test_a_sent_notification_reads_and_writes_back_identically():
    stored = stored_notification(sent_notification())
    notification = documents.to_notification(stored)
    assert notification.dead_channels == {ContactChannel.SMS}
    assert notification.preferred_channel is ContactChannel.SMS
    assert notification.only_channel is None
    assert documents.notification_document(notification) == stored
    assert messages.notification_message(notification) == sent_notification()


def test_a_send_pass_sets_the_fields_it_always_set():
    stored = stored_notification(sent_notification())
    notification = documents.to_notification(stored)
    # What the sender wrote at the end of a pass before it had domain types.
    before = {k: v for k, v in to_document(sent_notification()).items() if k != "_id"} | {
        "status_reason": "",
        "passes": 2,
        "dead_channels": [2],
    }
    assert documents.pass_fields(notification) == before


def test_a_new_staff_message_with_an_anonymous_actor_reads_and_writes_back_identically():
    queued = N.Notification(
        id="ntf_2",
        customer_id="cus_1",
        event_type="staff.ad_hoc",
        dedup_key="staff:abc",
        purpose=common_pb2.CONTACT_PURPOSE_MARKETING,
        channel=SMS,
        status=N.NOTIFICATION_STATUS_QUEUED,
        actor=common_pb2.Actor(),  # given but empty: stored as {}
        subject_id="cus_1",
        created_at=stamp(AT),
        updated_at=stamp(AT),
        scheduled_at=stamp(AT),
    )
    stored = stored_notification(
        queued,
        variables={},
        only_channel=2,
        preferred_channel=0,
        passes=0,
        dead_channels=[],
        text={"subject": "", "body": "Hello"},
    )
    assert stored["actor"] == {}
    notification = documents.to_notification(stored)
    assert documents.notification_document(notification) == stored
    assert messages.notification_message(notification) == from_document(stored, N.Notification)


def test_templates_read_and_write_back_identically():
    for updated_by in (
        common_pb2.Actor(kind=common_pb2.ACTOR_KIND_STAFF, id="stf_1", display="Ola"),
        common_pb2.Actor(),
    ):
        template = N.Template(
            id="tpl_1",
            event_type="omni.order.order.confirmed",
            channel=EMAIL,
            language="pt-BR",
            subject="Pedido {{ order_number }}",
            body="Olá {{ customer_name }}",
            html_body="<p>Olá</p>",
            purpose=common_pb2.CONTACT_PURPOSE_TRANSACTIONAL,
            version=4,
            variables=["customer_name", "order_number"],
            updated_by=updated_by,
            created_at=stamp(AT),
            updated_at=stamp(LATER),
        )
        stored = to_document(template)
        read = documents.to_template(stored)
        assert documents.template_document(read) == stored
        assert messages.template_message(read) == template


def test_subscriptions_read_and_write_back_identically():
    notified = N.BackInStockSubscription(
        id="bis_1",
        customer_id="cus_1",
        sku="LS-M",
        location_id="loc_waw",
        channel=common_pb2.ChannelRef(
            channel=common_pb2.SALES_CHANNEL_MARKETPLACE, partner_id="allegro"
        ),
        contact_channel=SMS,
        status=N.SUBSCRIPTION_STATUS_NOTIFIED,
        notification_id="ntf_1",
        created_at=stamp(AT),
        notified_at=stamp(LATER),
    )
    anywhere = N.BackInStockSubscription(
        id="bis_2",
        customer_id="cus_2",
        sku="LS-M",
        channel=common_pb2.ChannelRef(channel=common_pb2.SALES_CHANNEL_WEB),
        status=N.SUBSCRIPTION_STATUS_CANCELLED,
        created_at=stamp(AT),
        cancelled_at=stamp(LATER),
    )
    for subscription in (notified, anywhere):
        stored = to_document(subscription)
        read = documents.to_subscription(stored)
        assert documents.subscription_document(read) == stored
        assert messages.subscription_message(read) == subscription


def test_a_location_copy_reads_as_the_store_a_message_names():
    location = inventory_pb2.StockLocation(
        id="loc_waw",
        name="Omni Warszawa",
        time_zone="Europe/Warsaw",
        address=common_pb2.Address(lines=["Rynek 1"], postal_code="00-001", city="Warszawa"),
        opening_hours=[
            inventory_pb2.OpeningHours(
                weekday=inventory_pb2.WEEKDAY_MONDAY, opens="09:00", closes="20:00"
            ),
            inventory_pb2.OpeningHours(
                weekday=inventory_pb2.WEEKDAY_SUNDAY, opens="10:00", closes="14:00"
            ),
        ],
        opening_exceptions=[
            inventory_pb2.OpeningException(
                date="2026-12-24",
                intervals=[inventory_pb2.OpeningInterval(opens="09:00", closes="13:00")],
            ),
            inventory_pb2.OpeningException(date="2026-12-25", note="Christmas"),
        ],
        version=7,
    )
    place = documents.to_place(to_document(location))
    assert place.name == "Omni Warszawa" and place.time_zone == "Europe/Warsaw"
    assert place.address == Address(("Rynek 1",), "00-001", "Warszawa")
    assert place.opening_hours == (Hours(1, "09:00", "20:00"), Hours(7, "10:00", "14:00"))
    assert place.opening_exceptions == (
        DatedHours("2026-12-24", (Interval("09:00", "13:00"),)),
        DatedHours("2026-12-25"),
    )


def test_a_request_enum_value_the_contract_does_not_name_is_refused_naming_the_field():
    with pytest.raises(InvalidArgument) as refused:
        messages.staff_send(N.SendNotificationRequest(customer_id="cus_1", purpose=1, channel=42))
    assert refused.value.field == "channel"
    send = messages.staff_send(N.SendNotificationRequest(customer_id="cus_1", purpose=2))
    assert send.purpose is ContactPurpose.MARKETING and send.channel is None
