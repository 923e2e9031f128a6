"""What a partner's webhook receives: the event's public view, made for that partner."""

from __future__ import annotations

import msgspec

from omni.catalog.v1 import catalog_pb2
from omni.catalog.v1 import events_pb2 as catalog_events
from omni.common.v1 import common_pb2
from omni.inventory.v1 import events_pb2 as inventory_events
from omni.inventory.v1 import inventory_pb2
from omni.order.v1 import events_pb2 as order_events
from omni.order.v1 import order_pb2
from omni_gateway.views.webhook_events import EVENTS, webhook_payload
from omni_gateway.webhooks.subscriptions import EVENT_TYPES, receives, recipient_filter
from omni_kit.facts import make_event


def _payload(message_type, subject, partner_id="p1", **fields):
    event = make_event(
        message_type,
        subject,
        source="test",
        aggregate_type="x",
        aggregate_id="x_1",
        channel=common_pb2.ChannelRef(partner_id=partner_id),
        **fields,
    )
    return msgspec.json.decode(webhook_payload(event.message, partner_id)), event


def _listing(partner_id: str, amount: int) -> catalog_pb2.ChannelListing:
    return catalog_pb2.ChannelListing(
        product_id="prd_1",
        channel=common_pb2.ChannelRef(
            channel=common_pb2.SALES_CHANNEL_MARKETPLACE, partner_id=partner_id
        ),
        price=common_pb2.Money(amount_minor=amount, currency_code="EUR"),
        version=7,
    )


def test_every_offered_event_type_has_a_view():
    assert set(EVENTS) == EVENT_TYPES


def test_an_order_event_carries_the_partners_view_of_the_order():
    body, event = _payload(
        order_events.OrderCancelled,
        "omni.order.order.cancelled",
        order=order_pb2.Order(
            id="ord_1",
            status=order_pb2.ORDER_STATUS_CANCELLED,
            reservation_id="res_1",
            saga=order_pb2.SagaState(step=order_pb2.SAGA_STEP_DONE, last_error="boom"),
            totals=order_pb2.OrderTotals(
                total=common_pb2.Money(amount_minor=990, currency_code="EUR")
            ),
        ),
        reason=order_pb2.CANCELLATION_REASON_PARTNER_REQUEST,
    )
    assert set(body) == {"id", "type", "occurred_at", "data"}
    assert body["id"] == event.id and body["occurred_at"].endswith("Z")
    data = body["data"]
    assert data["reason"] == "partner_request" and data["note"] is None
    assert data["order"]["status"] == "cancelled"
    assert data["order"]["totals"]["total"] == {"amount_minor": 990, "currency": "EUR"}
    assert not {"saga", "reservation_id", "history", "cart_id"} & set(data["order"])


def test_listing_events_reach_only_the_listings_partner_without_its_bookkeeping():
    assert recipient_filter("omni.catalog.price.changed", "p1")["partner_id"] == "p1"
    assert recipient_filter("omni.catalog.price.changed", "")["partner_id"] == "-"
    assert "partner_id" not in recipient_filter("omni.catalog.product.updated", "")
    body, _ = _payload(
        catalog_events.PriceChanged,
        "omni.catalog.price.changed",
        listing=_listing("p1", 1200),
        previous_price=common_pb2.Money(amount_minor=1500, currency_code="EUR"),
        skus=["TEE-M"],
    )
    data = body["data"]
    assert data["listing"]["price"] == {"amount_minor": 1200, "currency": "EUR"}
    assert data["previous_price"]["amount_minor"] == 1500
    assert "version" not in data["listing"] and "channel" not in data["listing"]


def test_an_import_shows_each_partner_only_its_own_listings():
    _, event = _payload(
        catalog_events.ProductsImported,
        "omni.catalog.products.imported",
        partner_id="",
        products=[catalog_pb2.Product(id="prd_1", status=catalog_pb2.PRODUCT_STATUS_ACTIVE)],
        listings=[_listing("p1", 1000), _listing("p2", 2000)],
    )
    for partner_id, amount in (("p1", 1000), ("p2", 2000)):
        data = msgspec.json.decode(webhook_payload(event.message, partner_id))["data"]
        assert data["products"][0]["status"] == "active"
        assert [item["listing"]["price"]["amount_minor"] for item in data["listings"]] == [amount]


def test_stock_events_give_the_partners_channel_share_and_no_holds():
    rows = [
        inventory_pb2.ChannelAvailability(channel=common_pb2.ChannelRef(), available=10),
        inventory_pb2.ChannelAvailability(
            channel=common_pb2.ChannelRef(partner_id="p1"), available=4
        ),
    ]
    _, event = _payload(
        inventory_events.StockChanged,
        "omni.inventory.stock.changed",
        partner_id="",
        stock_level=inventory_pb2.StockLevel(sku="TEE-M", location_id="loc_1", reserved=3),
        cause=inventory_pb2.MOVEMENT_KIND_RECEIPT,
        reserved_delta=1,
        total_available=10,
        channel_availability=rows,
    )
    own = msgspec.json.decode(webhook_payload(event.message, "p1"))["data"]["stock"]
    other = msgspec.json.decode(webhook_payload(event.message, "p2"))["data"]["stock"]
    assert own == {"sku": "TEE-M", "location_id": "loc_1", "cause": "receipt", "available": 4}
    assert other["available"] == 10


def test_a_webhook_read_for_a_batch_receives_exactly_what_the_recipient_query_finds():
    hooks = [
        {"partner_id": "p1", "event_types": ["omni.catalog.price.changed"]},
        {"partner_id": "p2", "event_types": ["omni.catalog.price.changed", "omni.order.x"]},
        {"partner_id": "p3", "event_types": ["omni.inventory.stock.changed"]},
    ]
    events = [
        (event_type, partner)
        for event_type in (
            "omni.catalog.price.changed",
            "omni.order.x",
            "omni.inventory.stock.changed",
            "omni.catalog.product.updated",
        )
        for partner in ("p1", "p2", "")
    ]

    def found_by_query(hook, event_type, partner):  # the store's reading of the filter
        query = recipient_filter(event_type, partner)
        return query["event_types"] in hook["event_types"] and (
            "partner_id" not in query or query["partner_id"] == hook["partner_id"]
        )

    for event_type, partner in events:
        for hook in hooks:
            assert receives(hook, event_type, partner) == found_by_query(hook, event_type, partner)
    assert receives(hooks[2], "omni.inventory.stock.changed", "")
    assert not receives(hooks[0], "omni.catalog.price.changed", "p2")
