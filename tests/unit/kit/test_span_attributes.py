"""Requests and events carry searchable ids onto their spans."""

from __future__ import annotations

from omni.common.v1 import common_pb2
from omni.inventory.v1 import inventory_pb2
from omni.order.v1 import events_pb2 as order_events
from omni.order.v1 import order_pb2
from omni_kit.attributes import searchable_attributes


def test_ids_and_channel_of_a_request() -> None:
    request = order_pb2.GetOrderRequest(order_id="ord_1")
    assert searchable_attributes(request) == {"omni.order_id": "ord_1"}


def test_skus_of_every_line_and_the_channel() -> None:
    request = inventory_pb2.ReserveStockRequest(
        reservation_id="res_1",
        lines=[
            inventory_pb2.StockQuantity(sku="SKU-1", quantity=1),
            inventory_pb2.StockQuantity(sku="SKU-2", quantity=2),
            inventory_pb2.StockQuantity(sku="SKU-1", quantity=1),
        ],
        channel=common_pb2.ChannelRef(
            channel=common_pb2.SALES_CHANNEL_MARKETPLACE, partner_id="par_1"
        ),
    )
    assert searchable_attributes(request) == {
        "omni.reservation_id": "res_1",
        "omni.sku": ["SKU-1", "SKU-2"],
        "omni.channel": "marketplace",
    }


def test_an_event_names_its_order_customer_and_channel() -> None:
    event = order_events.OrderConfirmed(
        meta=common_pb2.EventMeta(event_id="evt_1"),
        order=order_pb2.Order(
            id="ord_9",
            customer_id="cus_3",
            channel=common_pb2.ChannelRef(channel=common_pb2.SALES_CHANNEL_WEB),
        ),
    )
    found = searchable_attributes(event)
    assert found["omni.order_id"] == "ord_9"
    assert found["omni.customer_id"] == "cus_3"
    assert found["omni.channel"] == "web"


def test_an_empty_message_has_no_attributes() -> None:
    assert searchable_attributes(order_pb2.GetOrderRequest()) == {}
