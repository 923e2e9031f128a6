"""Every read the notification service's store sends is an index range of about a page:
notification and subscription lists with each filter the API offers (the query forms its
handlers build: equality, `$in` of statuses, a `created_at` range), later pages, the
dispatcher's due list every second, receipts by provider message id, back-in-stock matches."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from plans import judge_all, seeded_ids

from omni_kit.store import ensure_indexes
from omni_notification.domain.common import ContactChannel
from omni_notification.store import INDEXES, NotificationStore, SubscriptionStore, TemplateStore

new_id = seeded_ids(28)

NOW = datetime.now(UTC).replace(microsecond=0)
STATUSES = [
    "NOTIFICATION_STATUS_SENT",
    "NOTIFICATION_STATUS_DELIVERED",
    "NOTIFICATION_STATUS_FAILED",
    "NOTIFICATION_STATUS_SUPPRESSED_BY_PREFERENCE",
    "NOTIFICATION_STATUS_QUEUED",
    "NOTIFICATION_STATUS_DELAYED_QUIET_HOURS",
]
EVENTS = ["omni.order.order.confirmed", "omni.order.order.shipped", "omni.inventory.back_in_stock"]


@pytest.fixture
async def stores(recorded, db_name):
    client, recorder = recorded
    db = client[db_name]
    await ensure_indexes(db, INDEXES)
    rng = random.Random(26)
    notifications = []
    for index in range(3000):
        created = NOW - timedelta(seconds=rng.randrange(180 * 86400))
        status = rng.choices(STATUSES, weights=[30, 50, 5, 5, 1, 1])[0]
        notifications.append(
            {
                "_id": new_id("ntf"),
                "dedup_key": new_id("dd"),
                "customer_id": f"cus_{index % 300}",
                "event_type": rng.choice(EVENTS),
                "status": status,
                "created_at": created,
                "scheduled_at": created,
                "attempts": [{"provider": "smtp", "provider_message_id": new_id("msg")}],
            }
        )
    subscriptions = [
        {
            "_id": new_id("sub"),
            "customer_id": f"cus_{index % 300}",
            "sku": f"SKU-{index % 400}",
            "location_id": "",
            "status": rng.choice(["SUBSCRIPTION_STATUS_ACTIVE", "SUBSCRIPTION_STATUS_NOTIFIED"]),
            "created_at": NOW - timedelta(seconds=rng.randrange(180 * 86400)),
        }
        for index in range(1500)
    ]
    await db["notifications"].insert_many(notifications)
    await db["subscriptions"].insert_many(subscriptions)
    return client, recorder, NotificationStore(db), SubscriptionStore(db), TemplateStore(db)


async def pages(store, query: dict, count: int = 3) -> None:
    after = None
    for _ in range(count):
        found = await store.page(query, after, 51)
        if len(found) <= 50:
            return
        after = [found[49].created_at, found[49].id]


async def test_every_notification_read_is_an_index_range_of_about_a_page(stores):
    client, recorder, notifications, subscriptions, templates = stores
    month = {"$gte": NOW - timedelta(days=30), "$lt": NOW}
    lists = {
        "every notification": {},
        "a customer's notifications": {"customer_id": "cus_7"},
        "by status": {"status": {"$in": ["NOTIFICATION_STATUS_FAILED"]}},
        "by two statuses": {
            "status": {"$in": ["NOTIFICATION_STATUS_SENT", "NOTIFICATION_STATUS_DELIVERED"]}
        },
        "by event type": {"event_type": EVENTS[1]},
        "by event type and status": {
            "event_type": EVENTS[0],
            "status": {"$in": ["NOTIFICATION_STATUS_FAILED"]},
        },
        "last month": {"created_at": month},
        "a customer's last month": {"customer_id": "cus_9", "created_at": month},
    }
    for label, query in lists.items():
        with recorder.shape(label):
            await pages(notifications, query)
    subscription_lists = {
        "every subscription": {},
        "a customer's subscriptions": {"customer_id": "cus_3"},
        "a SKU's subscriptions": {"sku": "SKU-5"},
        "active subscriptions": {"status": {"$in": ["SUBSCRIPTION_STATUS_ACTIVE"]}},
        "a SKU's active subscriptions": {
            "sku": "SKU-5",
            "status": {"$in": ["SUBSCRIPTION_STATUS_ACTIVE"]},
        },
    }
    for label, query in subscription_lists.items():
        with recorder.shape(label):
            await pages(subscriptions, query)
    with recorder.shape("the dispatcher's due list", page=100):
        await notifications.due(NOW, 100)
    with recorder.shape("look-ups", page=1):
        await notifications.get("ntf_x")
        await notifications.recorded("dd_x")
        await notifications.by_provider_message("smtp", "msg_x")
        await subscriptions.get("sub_x")
        await subscriptions.active("cus_1", "SKU-1", "")
    with recorder.shape("back in stock: a SKU's active subscriptions", page=10):
        await subscriptions.active_for_sku("SKU-5")
    with recorder.shape("templates", page=50):
        await templates.page({}, None, 51)
        await templates.find("omni.order.order.confirmed", ContactChannel.EMAIL, ["pl", "en"])

    problems = await judge_all(client, recorder)
    assert not problems, "\n".join(problems)
