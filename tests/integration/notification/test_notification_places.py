"""Messages name places, not ids: pickup-ready, pickup reminder and return messages show the
store's name, address and opening hours, and the pickup deadline in the store's time zone, in
the template's language, from the notification service's copy of the locations inventory
publishes; with inventory stopped, messages still name the store."""

from __future__ import annotations

from datetime import UTC, datetime

from google.protobuf import field_mask_pb2
from notification_helpers import Customers, eventually

from omni.common.v1 import common_pb2
from omni.customer.v1 import customer_pb2, customer_pb2_grpc
from omni.inventory.v1 import inventory_pb2, inventory_pb2_grpc
from omni.notification.v1 import notification_pb2 as N
from omni.notification.v1 import notification_pb2_grpc
from omni.order.v1 import events_pb2 as order_events
from omni.order.v1 import order_pb2
from omni_kit.events import EventBus
from omni_kit.facts import make_event
from omni_kit.protos import to_timestamp

EMAIL = common_pb2.CONTACT_CHANNEL_EMAIL
SENT = N.NOTIFICATION_STATUS_SENT
STORE_LINES = (
    "{{ store_name }}, {{ store_address }}. Godziny otwarcia: {{ store_opening_hours }}."
    "{% if store_special_hours %} Wyjątki: {{ store_special_hours }}.{% endif %}"
)
POLISH = {
    "omni.order.order.ready_for_pickup": (
        "Zamówienie {{ order_number }} czeka na odbiór",
        "Zamówienie {{ order_number }} czeka w sklepie "
        + STORE_LINES
        + " Odbierz do {{ pickup_deadline }}.",
    ),
    "omni.order.pickup.reminder_due": (
        "Przypomnienie: {{ order_number }}",
        "Nadal czekamy: " + STORE_LINES + " Odbierz do {{ pickup_deadline }}.",
    ),
    "omni.order.return.received": (
        "Zwrot zamówienia {{ order_number }}",
        "Przyjęliśmy zwrot w sklepie {{ store_name }} ({{ store_address }}).",
    ),
}


async def test_messages_name_the_store_in_the_templates_language(
    start_app, connect, smtp_server, tmp_path, nats_url, mongo, db_name
):
    mailbox, smtp_port = smtp_server
    inventory_app = await start_app("inventory")
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
    inventory = inventory_pb2_grpc.InventoryServiceStub(connect(inventory_app))
    notifications = notification_pb2_grpc.NotificationServiceStub(connect(notification))
    customers = Customers(customer_pb2_grpc.CustomerServiceStub(connect(customer)))

    store = (
        await inventory.CreateStockLocation(
            inventory_pb2.CreateStockLocationRequest(
                location=inventory_pb2.StockLocation(
                    code="WAW-01",
                    name="Omni Warszawa Centrum",
                    kind=inventory_pb2.LOCATION_KIND_STORE,
                    time_zone="Europe/Warsaw",
                    address=common_pb2.Address(
                        lines=["Marszałkowska 10"], postal_code="00-001", city="Warszawa"
                    ),
                    opening_hours=[
                        inventory_pb2.OpeningHours(weekday=day, opens="09:00", closes="20:00")
                        for day in range(1, 7)
                    ],
                )
            )
        )
    ).location
    # A rename reaches the copy too (a later version wins).
    store.name = "Omni Warszawa Śródmieście"
    renamed = await inventory.UpdateStockLocation(
        inventory_pb2.UpdateStockLocationRequest(
            location=store, update_mask=field_mask_pb2.FieldMask(paths=["name"])
        )
    )
    assert renamed.location.version == 2
    for event_type, (subject, body) in POLISH.items():
        await notifications.UpsertTemplate(
            N.UpsertTemplateRequest(
                template=N.Template(
                    event_type=event_type, channel=EMAIL, language="pl", subject=subject, body=body
                )
            )
        )
    ana = await customers.create(
        "ana@example.com",
        name="Anna",
        preferences=customer_pb2.Preferences(language="pl", time_zone="America/New_York"),
    )

    async def copied() -> bool:
        kept = await mongo[f"{db_name}_notification"]["locations"].find_one({"_id": store.id})
        return kept is not None and kept.get("version") == 2

    await eventually(copied)
    # Inventory is gone: the messages are made from the copy.
    await inventory_app.stop(grace=0)

    deadline = datetime(2026, 12, 23, 17, 0, tzinfo=UTC)  # 18:00 in Warsaw, 12:00 in New York
    order = order_pb2.Order(
        id="ord_waw",
        number="261205-0001",
        customer_id=ana,
        delivery=order_pb2.Delivery(pickup_location_id=store.id),
        pickup=order_pb2.Pickup(code="K7Q2", deadline=to_timestamp(deadline)),
    )
    common = {"source": "order", "aggregate_type": "order", "aggregate_id": order.id}
    facts = [
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
            order_events.ReturnReceived,
            "omni.order.return.received",
            **common,
            order=order,
            order_return=order_pb2.OrderReturn(id="ret_1", receiving_location_id=store.id),
        ),
    ]
    bus = EventBus(nats_url, service_name="test-producer")
    await bus.connect()
    try:
        for fact in facts:
            await bus.publish(fact.subject, fact.message, event_id=fact.id)
    finally:
        await bus.close()

    async def all_sent() -> dict[str, N.RenderedMessage] | None:
        listed = await notifications.ListNotifications(N.ListNotificationsRequest(customer_id=ana))
        done = {n.event_type: n.message for n in listed.notifications if n.status == SENT}
        return done if len(done) == len(facts) else None

    sent = await eventually(all_sent)
    ready = sent["omni.order.order.ready_for_pickup"]
    assert ready.language == "pl"
    assert ready.body == (
        "Zamówienie 261205-0001 czeka w sklepie Omni Warszawa Śródmieście, Marszałkowska 10, "
        "00-001 Warszawa. Godziny otwarcia: pon.\u2013sob. 09:00\u201320:00; niedz. zamknięte. "
        "Odbierz do środa, 23 grudnia 2026, 18:00."
    )
    reminder = sent["omni.order.pickup.reminder_due"]
    assert "Omni Warszawa Śródmieście, Marszałkowska 10" in reminder.body
    assert "środa, 23 grudnia 2026, 18:00" in reminder.body
    assert sent["omni.order.return.received"].body == (
        "Przyjęliśmy zwrot w sklepie Omni Warszawa Śródmieście (Marszałkowska 10, 00-001 Warszawa)."
    )
    for message in sent.values():
        assert store.id not in message.body
    mails = [str(mail.get_body(("plain",)).get_content()) for mail in mailbox.messages]
    assert any("Marszałkowska 10" in text for text in mails)
