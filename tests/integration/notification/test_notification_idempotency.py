"""Every notification change runs once per (caller, idempotency key): a repeat replays the stored
response without a second effect, another request under the key is refused, callers' keys do
not collide, a call without a key is a new change each time, and a staff send needs a key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import grpc
import pytest
from notification_helpers import Customers, eventually

from omni.common.v1 import common_pb2
from omni.customer.v1 import customer_pb2_grpc
from omni.notification.v1 import events_pb2, notification_pb2_grpc
from omni.notification.v1 import notification_pb2 as N
from omni_kit.errors import error_details
from omni_kit.idempotency import call_metadata, was_replayed

EMAIL = common_pb2.CONTACT_CHANNEL_EMAIL
WEB = common_pb2.ChannelRef(channel=common_pb2.SALES_CHANNEL_WEB)
STAFF = common_pb2.Actor(kind=common_pb2.ACTOR_KIND_STAFF, id="stf_1", display="Bo")
# What each test watches. Its own documents only: the tests share one NATS server, so this
# service's consumers also turn other tests' order events into notifications of their own, and
# the sender adds events in the background.
Watched = dict[str, dict[str, Any]]
TEMPLATES: Watched = {"templates": {}, "idempotency": {}}
SUBSCRIPTIONS: Watched = {
    "subscriptions": {},
    "outbox": {"subject": {"$regex": "^omni\\.notification\\.subscription\\."}},
    "idempotency": {},
}


def sends_to(customer_id: str) -> Watched:
    return {"notifications": {"customer_id": customer_id}, "idempotency": {}}


@dataclass
class Service:
    stub: notification_pb2_grpc.NotificationServiceStub
    customers: Customers
    db: Any


@pytest.fixture
async def service(start_app, connect, mongo, db_name, tmp_path) -> Service:
    customer = await start_app("customer")
    notification = await start_app(
        "notification",
        customer_addr=f"127.0.0.1:{customer.port}",
        sink_dir=tmp_path,
        seed_templates=False,
        scheduler_interval_seconds=0.1,
    )
    return Service(
        notification_pb2_grpc.NotificationServiceStub(connect(notification)),
        Customers(customer_pb2_grpc.CustomerServiceStub(connect(customer))),
        mongo[f"{db_name}_notification"],
    )


async def keyed(call, request, key: str, caller: str = "staff:stf_1"):
    """The response of a call made under `key`, and whether the service replayed it."""
    pending = call(request, metadata=call_metadata(key, caller))
    response = await pending
    return response, was_replayed(await pending.trailing_metadata())


async def counts(db, watched: Watched) -> dict[str, int]:
    return {name: await db[name].count_documents(query) for name, query in watched.items()}


async def twice(db, call, request, key: str, watched: Watched):
    """Call under `key`, then again: the repeat is the first response, replayed, and adds
    nothing to what is `watched`."""
    first, first_replayed = await keyed(call, request, key)
    after_first = await counts(db, watched)
    again, again_replayed = await keyed(call, request, key)
    assert (first_replayed, again_replayed) == (False, True)
    assert again.SerializeToString() == first.SerializeToString()
    assert await counts(db, watched) == after_first
    return first


def staff_send(customer_id: str, body: str = "Your parcel is ready") -> N.SendNotificationRequest:
    return N.SendNotificationRequest(
        customer_id=customer_id,
        purpose=common_pb2.CONTACT_PURPOSE_TRANSACTIONAL,
        channel=EMAIL,
        body=body,
        actor=STAFF,
    )


def template(body: str = "Hi {{ customer_name }}") -> N.UpsertTemplateRequest:
    return N.UpsertTemplateRequest(
        template=N.Template(
            event_type="staff.apology", channel=EMAIL, language="en", subject="Sorry", body=body
        )
    )


async def test_template_changes_replay_under_their_keys(service):
    stub, db = service.stub, service.db
    saved = (await twice(db, stub.UpsertTemplate, template(), "tpl-1", TEMPLATES)).template
    assert saved.version == 1
    # The repeat of an update answers what it did, though the version has moved on since.
    changed = N.UpsertTemplateRequest(template=template("Hello {{ customer_name }}").template)
    changed.expected_version = 1
    assert (await twice(db, stub.UpsertTemplate, changed, "tpl-2", TEMPLATES)).template.version == 2
    delete = N.DeleteTemplateRequest(template_id=saved.id)
    await twice(db, stub.DeleteTemplate, delete, "tpl-3", TEMPLATES)
    assert await db["templates"].count_documents({}) == 0
    # Without a key a repeat is a new request: the template is gone.
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await stub.DeleteTemplate(N.DeleteTemplateRequest(template_id=saved.id))
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND


async def test_a_staff_send_and_its_receipt_happen_once_under_their_keys(service):
    stub, db = service.stub, service.db
    ana = await service.customers.create("ana@example.com", name="Ana")
    sending = await twice(db, stub.SendNotification, staff_send(ana), "send-1", sends_to(ana))
    queued = sending.notification
    assert queued.status == N.NOTIFICATION_STATUS_QUEUED

    async def sent() -> N.Notification | None:
        reply = await stub.GetNotification(N.GetNotificationRequest(notification_id=queued.id))
        done = reply.notification.status == N.NOTIFICATION_STATUS_SENT
        return reply.notification if done else None

    message_id = (await eventually(sent)).attempts[-1].provider_message_id
    # A later repeat still answers with the notification as it was queued, and sends nothing.
    again, replayed = await keyed(stub.SendNotification, staff_send(ana), "send-1")
    assert replayed and again.notification == queued
    assert await counts(db, sends_to(ana)) == {"notifications": 1, "idempotency": 1}

    receipt = N.RecordDeliveryReceiptRequest(
        provider="file", provider_message_id=message_id, outcome=N.DELIVERY_OUTCOME_DELIVERED
    )
    delivered = await twice(db, stub.RecordDeliveryReceipt, receipt, "receipt-1", sends_to(ana))
    assert delivered.notification.status == N.NOTIFICATION_STATUS_DELIVERED
    stored = await stub.GetNotification(N.GetNotificationRequest(notification_id=queued.id))
    outcomes = [attempt.outcome for attempt in stored.notification.attempts]
    assert outcomes == [N.DELIVERY_OUTCOME_ACCEPTED, N.DELIVERY_OUTCOME_DELIVERED]
    stored_events = db["outbox"].find({"subject": "omni.notification.notification.delivered"})
    announced = [
        events_pb2.NotificationDelivered.FromString(doc["payload"]).notification.id
        async for doc in stored_events
    ]
    assert announced == [queued.id]


async def test_a_subscription_and_its_cancellation_replay_under_their_keys(service):
    stub, db = service.stub, service.db
    create = N.CreateBackInStockSubscriptionRequest(
        customer_id="cus_1", sku="LS-M", location_id="store-1", channel=WEB
    )
    creating = await twice(db, stub.CreateBackInStockSubscription, create, "sub-1", SUBSCRIPTIONS)
    cancel = N.CancelBackInStockSubscriptionRequest(
        subscription_id=creating.subscription.id, actor=STAFF
    )
    cancelled = await twice(db, stub.CancelBackInStockSubscription, cancel, "c-1", SUBSCRIPTIONS)
    assert cancelled.subscription.status == N.SUBSCRIPTION_STATUS_CANCELLED
    assert await counts(db, SUBSCRIPTIONS) == {"subscriptions": 1, "outbox": 2, "idempotency": 2}
    # Without a key a repeat is a new request, refused: the subscription is closed already.
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await stub.CancelBackInStockSubscription(cancel)
    assert error_details(caught.value).reason == "SUBSCRIPTION_CLOSED"


async def test_a_key_sent_again_with_another_message_is_refused_and_sends_nothing(service):
    ana = await service.customers.create("ana@example.com", name="Ana")
    await keyed(service.stub.SendNotification, staff_send(ana), "k1")
    before = await counts(service.db, sends_to(ana))
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await keyed(service.stub.SendNotification, staff_send(ana, "Another text"), "k1")
    refused = error_details(caught.value)
    assert refused.code == grpc.StatusCode.INVALID_ARGUMENT
    assert refused.reason == "IDEMPOTENCY_KEY_REUSED"
    assert (refused.field, refused.metadata["key"]) == ("Idempotency-Key", "k1")
    assert await counts(service.db, sends_to(ana)) == before


async def test_two_callers_with_the_same_key_send_two_messages(service):
    ana = await service.customers.create("ana@example.com", name="Ana")
    first, _ = await keyed(service.stub.SendNotification, staff_send(ana), "k", "staff:stf_1")
    second, replayed = await keyed(
        service.stub.SendNotification, staff_send(ana), "k", "staff:stf_2"
    )
    assert not replayed
    assert first.notification.id != second.notification.id
    assert await counts(service.db, sends_to(ana)) == {"notifications": 2, "idempotency": 2}


async def test_a_staff_send_without_a_key_is_refused_and_records_nothing(service):
    ana = await service.customers.create("ana@example.com", name="Ana")
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await service.stub.SendNotification(staff_send(ana))
    refused = error_details(caught.value)
    assert (refused.code, refused.field) == (grpc.StatusCode.INVALID_ARGUMENT, "Idempotency-Key")
    assert await counts(service.db, sends_to(ana)) == {"notifications": 0, "idempotency": 0}


async def test_without_a_key_each_template_save_is_a_new_change(service):
    first = await service.stub.UpsertTemplate(template())
    again = N.UpsertTemplateRequest(template=template().template, expected_version=1)
    second = await service.stub.UpsertTemplate(again)
    assert (first.template.version, second.template.version) == (1, 2)
    assert await service.db["idempotency"].count_documents({}) == 0
