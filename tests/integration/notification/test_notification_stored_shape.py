"""Documents the service wrote before its domain had types of its own (built with
`omni_kit.protos.to_document` from the contract's messages, as the code wrote them) are read by
the stores into domain types and written back by them byte for byte the same: through the real
store, with its millisecond dates, so no data migration is needed."""

from __future__ import annotations

from datetime import UTC, datetime

import bson

from omni.common.v1 import common_pb2
from omni.notification.v1 import notification_pb2 as N
from omni_kit.protos import to_document, to_timestamp
from omni_notification.store import NotificationStore, SubscriptionStore, TemplateStore
from omni_notification.store.documents import template_document
from omni_notification.store.subscriptions import active_key

AT = to_timestamp(datetime(2026, 11, 23, 10, 15, 30, 123456, tzinfo=UTC))
EMAIL = common_pb2.CONTACT_CHANNEL_EMAIL


async def rewritten(mongo, collection, document_id, insert) -> tuple[dict, dict]:
    """The stored document, and the same after the store read it, it was removed and the store
    wrote what it read."""
    before = await collection.find_one({"_id": document_id})
    async with mongo.start_session() as session:
        await insert(session)
    after = await collection.find_one({"_id": document_id})
    return before, after


async def test_a_notification_written_before_is_read_and_written_back_the_same(mongo, db_name):
    db = mongo[db_name]
    message = N.Notification(
        id="ntf_1",
        customer_id="cus_1",
        event_type="omni.order.order.shipped",
        source_event_id="evt_1",
        dedup_key="evt_1:cus_1:transactional",
        purpose=common_pb2.CONTACT_PURPOSE_TRANSACTIONAL,
        channel=EMAIL,
        recipient="ana@example.com",
        status=N.NOTIFICATION_STATUS_SENT,
        template_id="tpl_1",
        template_version=2,
        message=N.RenderedMessage(
            channel=EMAIL, language="en", subject="Shipped", body="On its way"
        ),
        attempts=[
            N.DeliveryAttempt(
                at=AT,
                channel=EMAIL,
                provider="smtp",
                outcome=N.DELIVERY_OUTCOME_ACCEPTED,
                provider_message_id="<m1@omni.test>",
            )
        ],
        scheduled_at=AT,
        actor=common_pb2.Actor(),
        subject_id="ord_1",
        created_at=AT,
        sent_at=AT,
        updated_at=AT,
    )
    await db["notifications"].insert_one(
        to_document(message)
        | {
            "variables": {"order_number": "A-1", "pickup_deadline": AT.ToDatetime(tzinfo=UTC)},
            "only_channel": 0,
            "preferred_channel": 1,
            "passes": 1,
            "dead_channels": [2],
            "lease": None,
            "lease_until": None,
            "text": {"subject": "", "body": "Hi"},
        }
    )
    store = NotificationStore(db)
    notification = await store.get("ntf_1")
    assert notification is not None

    async def insert(session):
        await db["notifications"].delete_one({"_id": "ntf_1"})
        await store.insert(notification, session)

    before, after = await rewritten(mongo, db["notifications"], "ntf_1", insert)
    assert after == before
    assert bson.encode(after) == bson.encode(before)  # the same keys in the same order too


async def test_a_subscription_written_before_is_read_and_written_back_the_same(mongo, db_name):
    db = mongo[db_name]
    message = N.BackInStockSubscription(
        id="bis_1",
        customer_id="cus_1",
        sku="LS-M",
        location_id="loc_waw",
        channel=common_pb2.ChannelRef(channel=common_pb2.SALES_CHANNEL_WEB),
        contact_channel=EMAIL,
        status=N.SUBSCRIPTION_STATUS_ACTIVE,
        created_at=AT,
    )
    key = active_key("cus_1", "LS-M", "loc_waw")
    await db["subscriptions"].insert_one(to_document(message) | {"active_key": key})
    store = SubscriptionStore(db)
    subscription = await store.active("cus_1", "LS-M", "loc_waw")
    assert subscription is not None and subscription.id == "bis_1"

    async def insert(session):
        await db["subscriptions"].delete_one({"_id": "bis_1"})
        await store.insert(subscription, session)

    before, after = await rewritten(mongo, db["subscriptions"], "bis_1", insert)
    assert bson.encode(after) == bson.encode(before)


async def test_a_template_written_before_reads_as_the_document_it_is(mongo, db_name):
    db = mongo[db_name]
    message = N.Template(
        id="tpl_1",
        event_type="omni.order.order.confirmed",
        channel=EMAIL,
        language="en",
        subject="Order {{ order_number }}",
        body="Thanks",
        purpose=common_pb2.CONTACT_PURPOSE_TRANSACTIONAL,
        version=3,
        variables=["order_number"],
        updated_by=common_pb2.Actor(kind=common_pb2.ACTOR_KIND_STAFF, id="stf_1"),
        created_at=AT,
        updated_at=AT,
    )
    await db["templates"].insert_one(to_document(message))
    stored = await db["templates"].find_one({"_id": "tpl_1"})
    template = await TemplateStore(db).get("tpl_1")
    assert template is not None
    assert template_document(template) == stored
