"""Notifications triggered by real event protobufs on NATS: order milestones (each sent once,
even when the same fact arrives again) and stock back in stock for subscribers."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import pytest
from google.protobuf import timestamp_pb2
from notification_helpers import Customers, eventually, published

from omni.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from omni.common.v1 import common_pb2
from omni.customer.v1 import customer_pb2_grpc
from omni.inventory.v1 import events_pb2 as inventory_events
from omni.notification.v1 import events_pb2, notification_pb2_grpc
from omni.notification.v1 import notification_pb2 as N
from omni.order.v1 import events_pb2 as order_events
from omni.order.v1 import order_pb2
from omni_kit.errors import error_details
from omni_kit.events import EventBus
from omni_kit.facts import make_event
from omni_kit.idempotency import call_metadata

WEB = common_pb2.ChannelRef(channel=common_pb2.SALES_CHANNEL_WEB)
MARKETPLACE = common_pb2.ChannelRef(channel=common_pb2.SALES_CHANNEL_MARKETPLACE, partner_id="p1")
SENT = N.NOTIFICATION_STATUS_SENT


@pytest.fixture
async def bus(nats_url) -> AsyncIterator[EventBus]:
    bus = EventBus(nats_url, service_name="test-producer")
    await bus.connect()
    yield bus
    await bus.close()


@pytest.fixture
async def services(start_app, connect, smtp_server, tmp_path):
    mailbox, smtp_port = smtp_server
    customer = await start_app("customer")
    catalog = await start_app("catalog")
    notification = await start_app(
        "notification",
        customer_addr=f"127.0.0.1:{customer.port}",
        catalog_addr=f"127.0.0.1:{catalog.port}",
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        smtp_security="none",
        sink_dir=tmp_path,
        scheduler_interval_seconds=0.1,
    )
    return (
        notification_pb2_grpc.NotificationServiceStub(connect(notification)),
        Customers(customer_pb2_grpc.CustomerServiceStub(connect(customer))),
        catalog_pb2_grpc.CatalogServiceStub(connect(catalog)),
        mailbox,
    )


def order_for(customer_id: str) -> order_pb2.Order:
    deadline = timestamp_pb2.Timestamp(seconds=1_900_000_000)
    return order_pb2.Order(
        id="ord_1",
        number="A-100",
        customer_id=customer_id,
        lines=[
            order_pb2.OrderLine(line_id="l1", sku="LS-M", product_name="Linen shirt", quantity=2)
        ],
        totals=order_pb2.OrderTotals(
            total=common_pb2.Money(amount_minor=5998, currency_code="EUR")
        ),
        delivery=order_pb2.Delivery(pickup_location_id="store-1"),
        pickup=order_pb2.Pickup(code="K7Q2", deadline=deadline),
    )


def order_events_for(order: order_pb2.Order):
    shipment = order_pb2.Shipment(id="shp_1", carrier="DHL", tracking_number="TRK-9")
    refund = order_pb2.OrderReturn(
        id="ret_1",
        lines=[order_pb2.ReturnLine(line_id="l1", quantity=1)],
        refund_total=common_pb2.Money(amount_minor=2999, currency_code="EUR"),
    )
    common = {"source": "order", "aggregate_type": "order", "aggregate_id": order.id}
    return [
        make_event(
            order_events.OrderConfirmed, "omni.order.order.confirmed", **common, order=order
        ),
        make_event(
            order_events.OrderReadyForPickup,
            "omni.order.order.ready_for_pickup",
            **common,
            order=order,
        ),
        make_event(
            order_events.PickupReminderDue,
            "omni.order.pickup.reminder_due",
            **common,
            order=order,
            reminder_number=1,
        ),
        make_event(
            order_events.OrderShipped,
            "omni.order.order.shipped",
            **common,
            order=order,
            shipment=shipment,
        ),
        make_event(
            order_events.OrderDelivered,
            "omni.order.order.delivered",
            **common,
            order=order,
            shipment=shipment,
        ),
        make_event(
            order_events.ReturnReceived,
            "omni.order.return.received",
            **common,
            order=order,
            order_return=refund,
        ),
        make_event(
            order_events.OrderFailed,
            "omni.order.order.failed",
            **common,
            order=order,
            reason="the payment provider is not reachable right now",
        ),
    ]


async def test_each_order_milestone_is_sent_once_even_when_the_fact_arrives_again(services, bus):
    notifications, customers, _, mailbox = services
    ana = await customers.create("ana@example.com", name="Ana")
    facts = order_events_for(order_for(ana))
    for fact in facts:
        await bus.publish(fact.subject, fact.message, event_id=fact.id)
    # The same ready-for-pickup fact again under another message id (an outbox republish).
    ready = facts[1]
    await bus.publish(ready.subject, ready.message, event_id=f"{ready.id}-again")

    async def all_sent() -> list[N.Notification] | None:
        listed = await notifications.ListNotifications(N.ListNotificationsRequest(customer_id=ana))
        done = [n for n in listed.notifications if n.status == SENT]
        return listed.notifications if len(done) == len(facts) else None

    sent = {n.event_type: n for n in await eventually(all_sent)}
    assert set(sent) == {fact.subject for fact in facts}
    pickup = sent["omni.order.order.ready_for_pickup"].message
    assert "K7Q2" in pickup.body
    assert "A-100" in pickup.subject
    assert "Ana" in pickup.body
    assert "TRK-9" in sent["omni.order.order.shipped"].message.body
    assert "29.99 EUR" in sent["omni.order.return.received"].message.body
    assert "59.98 EUR" in sent["omni.order.order.confirmed"].message.body
    assert "could not place your order A-100" in sent["omni.order.order.failed"].message.subject
    assert sent["omni.order.order.ready_for_pickup"].source_event_id == ready.id
    assert len(mailbox.messages) == len(facts)
    subjects = sorted(str(mail["Subject"]) for mail in mailbox.messages)
    assert len(set(subjects)) == len(facts)


async def test_an_order_without_a_customer_profile_notifies_nobody(services, bus):
    notifications, customers, _, mailbox = services
    ana = await customers.create("ana@example.com")
    anonymous = make_event(
        order_events.OrderConfirmed,
        "omni.order.order.confirmed",
        source="order",
        aggregate_type="order",
        aggregate_id="ord_2",
        order=order_pb2.Order(id="ord_2"),
    )
    marker = order_events_for(order_for(ana))[0]
    await bus.publish(anonymous.subject, anonymous.message, event_id=anonymous.id)
    await bus.publish(marker.subject, marker.message, event_id=marker.id)

    async def marker_sent() -> bool:
        listed = await notifications.ListNotifications(N.ListNotificationsRequest())
        return any(n.status == SENT for n in listed.notifications)

    await eventually(marker_sent)
    listed = await notifications.ListNotifications(N.ListNotificationsRequest())
    assert [n.subject_id for n in listed.notifications] == ["ord_1"]
    assert len(mailbox.messages) == 1


async def listed_shirt(catalog: catalog_pb2_grpc.CatalogServiceStub) -> None:
    product = (
        await catalog.CreateProduct(
            catalog_pb2.CreateProductRequest(
                product=catalog_pb2.Product(
                    slug="linen-shirt",
                    default_language="en",
                    status=catalog_pb2.PRODUCT_STATUS_ACTIVE,
                    texts={"en": catalog_pb2.LocalizedText(name="Linen shirt")},
                    variants=[catalog_pb2.Variant(sku="LS-M")],
                ),
            ),
            metadata=call_metadata("p-1", "test"),
        )
    ).product
    await catalog.UpsertChannelListing(
        catalog_pb2.UpsertChannelListingRequest(
            listing=catalog_pb2.ChannelListing(
                product_id=product.id,
                channel=WEB,
                published=True,
                price=common_pb2.Money(amount_minor=2999, currency_code="EUR"),
            ),
        ),
        metadata=call_metadata("l-1", "test"),
    )


def back_in_stock(location_id: str, sku: str = "LS-M"):
    return make_event(
        inventory_events.BackInStock,
        "omni.inventory.stock.back_in_stock",
        source="inventory",
        aggregate_type="stock",
        aggregate_id=f"{sku}@{location_id}",
        sku=sku,
        location_id=location_id,
        available=3,
    )


async def subscribe(
    notifications, customer_id: str, location_id: str, channel=WEB, key: str | None = None
):
    reply = await notifications.CreateBackInStockSubscription(
        N.CreateBackInStockSubscriptionRequest(
            customer_id=customer_id, sku="LS-M", location_id=location_id, channel=channel
        ),
        metadata=call_metadata(key, customer_id) if key else None,
    )
    return reply.subscription


async def test_back_in_stock_notifies_matching_subscribers_once_and_closes_them(services, bus, nc):
    notifications, customers, catalog, mailbox = services
    await listed_shirt(catalog)
    ana = await customers.create("ana@example.com", name="Ana")
    bo = await customers.create("bo@example.com", name="Bo")
    cy = await customers.create("cy@example.com", name="Cy")
    dan = await customers.create("dan@example.com", name="Dan")
    at_store = await subscribe(notifications, ana, "store-1")
    anywhere = await subscribe(notifications, bo, "")
    elsewhere = await subscribe(notifications, cy, "store-2")
    unlisted = await subscribe(notifications, dan, "store-1", MARKETPLACE)

    fact = back_in_stock("store-1")
    await bus.publish(fact.subject, fact.message, event_id=fact.id)

    async def notified() -> list[N.BackInStockSubscription] | None:
        listed = await notifications.ListBackInStockSubscriptions(
            N.ListBackInStockSubscriptionsRequest(statuses=[N.SUBSCRIPTION_STATUS_NOTIFIED])
        )
        return listed.subscriptions if len(listed.subscriptions) == 2 else None

    closed = {s.id: s for s in await eventually(notified)}
    assert set(closed) == {at_store.id, anywhere.id}
    await eventually(lambda: len(mailbox.messages) == 2)
    assert sorted(str(m["To"]) for m in mailbox.messages) == ["ana@example.com", "bo@example.com"]
    assert all("Linen shirt is back in stock" in str(m["Subject"]) for m in mailbox.messages)
    notice = await notifications.GetNotification(
        N.GetNotificationRequest(notification_id=closed[at_store.id].notification_id)
    )
    assert notice.notification.subject_id == at_store.id
    event = await published(
        nc,
        "omni.notification.subscription.closed",
        events_pb2.BackInStockSubscriptionClosed,
        lambda e: e.subscription.id == at_store.id,
    )
    assert event.subscription.status == N.SUBSCRIPTION_STATUS_NOTIFIED

    again = back_in_stock("store-1")
    await bus.publish(again.subject, again.message, event_id=again.id)
    other_store = back_in_stock("store-2")
    await bus.publish(other_store.subject, other_store.message, event_id=other_store.id)
    await eventually(lambda: len(mailbox.messages) == 3)
    assert str(mailbox.messages[-1]["To"]) == "cy@example.com"
    still_active = await notifications.GetBackInStockSubscription(
        N.GetBackInStockSubscriptionRequest(subscription_id=unlisted.id)
    )
    assert still_active.subscription.status == N.SUBSCRIPTION_STATUS_ACTIVE
    listed = await notifications.ListNotifications(N.ListNotificationsRequest())
    assert len(listed.notifications) == 3
    assert elsewhere.id in {n.subject_id for n in listed.notifications}


async def test_stock_back_that_nobody_waits_for_costs_no_store_work_per_event(
    services, bus, mongo, db_name
):
    notifications, customers, catalog, mailbox = services
    await listed_shirt(catalog)
    ana = await customers.create("ana@example.com", name="Ana")
    await subscribe(notifications, ana, "store-1")
    database = f"{db_name}_notification"
    before = await mongo.admin.command("top")
    # A bulk import's burst: stock of 80 new SKUs back, and of the shirt at another store (no
    # subscriber there), then the shirt at the store Ana waits at.
    burst = [back_in_stock("store-1", f"NEW-{n}") for n in range(80)]
    burst.append(back_in_stock("store-9"))
    burst.append(back_in_stock("store-1"))
    for fact in burst:
        await bus.publish(fact.subject, fact.message, event_id=fact.id)
    await eventually(lambda: len(mailbox.messages) == 1)
    assert str(mailbox.messages[0]["To"]) == "ana@example.com"
    after = await mongo.admin.command("top")

    def reads(collection: str) -> int:
        def count(top: dict) -> int:
            found = top["totals"].get(f"{database}.{collection}")
            return found["total"]["count"] if found else 0

        return count(after) - count(before)

    inbox = mongo[database]["inbox"]
    assert await inbox.count_documents({"consumer": "notification-back-in-stock"}) == 1
    # No transaction for the 81 events nobody waits for (each made an inbox read and insert),
    # and at most one read of the subscriptions per fetched batch (however small the batches
    # are while the consumer keeps up).
    assert reads("inbox") <= 3
    assert reads("subscriptions") <= len(burst)


async def test_subscriptions_are_created_once_cancelled_once_and_checked(services):
    notifications, _, _, _ = services
    first = await subscribe(notifications, "cus_1", "store-1", key="s-1")
    assert first.status == N.SUBSCRIPTION_STATUS_ACTIVE
    assert await subscribe(notifications, "cus_1", "store-1", key="s-1") == first
    # Without a key too: one active subscription per customer, SKU and location.
    assert (await subscribe(notifications, "cus_1", "store-1")).id == first.id
    second = await subscribe(notifications, "cus_1", "")

    cancelled = await notifications.CancelBackInStockSubscription(
        N.CancelBackInStockSubscriptionRequest(subscription_id=first.id)
    )
    assert cancelled.subscription.status == N.SUBSCRIPTION_STATUS_CANCELLED
    with pytest.raises(grpc.aio.AioRpcError) as twice:
        await notifications.CancelBackInStockSubscription(
            N.CancelBackInStockSubscriptionRequest(subscription_id=first.id)
        )
    assert twice.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    renewed = await subscribe(notifications, "cus_1", "store-1")
    assert renewed.id != first.id

    page = await notifications.ListBackInStockSubscriptions(
        N.ListBackInStockSubscriptionsRequest(customer_id="cus_1", page_size=2)
    )
    rest = await notifications.ListBackInStockSubscriptions(
        N.ListBackInStockSubscriptionsRequest(
            customer_id="cus_1", page_size=2, page_token=page.next_page_token
        )
    )
    ids = [s.id for s in [*page.subscriptions, *rest.subscriptions]]
    assert ids == [renewed.id, second.id, first.id]

    for request, field in [
        (N.CreateBackInStockSubscriptionRequest(customer_id="c", channel=WEB), "sku"),
        (N.CreateBackInStockSubscriptionRequest(customer_id="c", sku="LS-M"), "channel.channel"),
        (N.CreateBackInStockSubscriptionRequest(sku="LS-M", channel=WEB), "customer_id"),
    ]:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await notifications.CreateBackInStockSubscription(request)
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert error_details(refused.value).field == field
    with pytest.raises(grpc.aio.AioRpcError) as bad_token:
        await notifications.ListBackInStockSubscriptions(
            N.ListBackInStockSubscriptionsRequest(page_token="garbage!")
        )
    assert error_details(bad_token.value).field == "page_token"
