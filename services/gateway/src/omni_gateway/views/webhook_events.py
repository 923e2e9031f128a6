"""What partner webhooks carry: the envelope `{id, type, occurred_at, data}` and, per event type,
the view in `data`, mapped from the internal event message in this one place.

Order events carry the order as its partner sees it and what the event adds (the shipment, the
return, the refund, the cancelled units and reason). Catalog events carry the product, or the
listing on the partner's own marketplace channel. Stock events carry the SKU and what the
partner's channel can sell of it: no reservation, no other channel's share. `EVENTS` ties each
offered event type to its view; the OpenAPI document's `webhooks` section is made from it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec
from google.protobuf.message import Message

from omni.catalog.v1 import catalog_pb2
from omni.catalog.v1 import events_pb2 as catalog_events
from omni.inventory.v1 import events_pb2 as inventory_events
from omni.order.v1 import events_pb2 as order_events
from omni_gateway.views.common import Money, View, money_or_none, when
from omni_gateway.views.delivery import LineQuantity, Shipment, line_quantities, shipment_view
from omni_gateway.views.fulfilment import PartnerReturn, partner_return_view
from omni_gateway.views.order import (
    CANCELLATION_REASON,
    CancellationReason,
    PartnerOrder,
    partner_order_view,
)
from omni_gateway.views.payment import Refund, refund_view
from omni_gateway.views.product import ListingView, ProductView, listing_view, product_view
from omni_gateway.views.stock import (
    MOVEMENT_KIND,
    AvailabilityStatus,
    ChannelStockChange,
    StockAlert,
    channel_available,
)

# Order events.


class OrderEvent(View):
    """The order after the change."""

    order: PartnerOrder


class OrderPaymentFailedEvent(View):
    order: PartnerOrder
    # Why the payment failed, for people.
    reason: str | None


class OrderCancelledEvent(View):
    order: PartnerOrder
    reason: CancellationReason | None
    note: str | None


class OrderLinesCancelledEvent(View):
    order: PartnerOrder
    # The units cancelled by this change.
    lines: list[LineQuantity]
    reason: CancellationReason | None
    note: str | None


class ShipmentEvent(View):
    """The order and the shipment the event is about (created, shipped or delivered)."""

    order: PartnerOrder
    shipment: Shipment


class ReturnReceivedEvent(View):
    order: PartnerOrder
    return_: PartnerReturn = msgspec.field(name="return")


class RefundRecordedEvent(View):
    order: PartnerOrder
    payment_id: str
    refund: Refund


# Catalog events.


class ProductEvent(View):
    """The product after the change."""

    product: ProductView


class ProductUpdatedEvent(View):
    product: ProductView
    # The fields of `product` that changed.
    changed_fields: list[str]


class ProductDeletedEvent(View):
    product_id: str
    # The variant SKUs it had.
    skus: list[str]


class ListingEvent(View):
    """A product's listing on the partner's marketplace channel was published, or changed."""

    product_id: str
    skus: list[str]
    listing: ListingView


class ListingUnpublishedEvent(View):
    product_id: str
    skus: list[str]
    listing: ListingView
    reason: str | None


class PriceChangedEvent(View):
    product_id: str
    skus: list[str]
    # The listing after the change.
    listing: ListingView
    previous_price: Money | None
    previous_sale_price: Money | None


class EffectivePriceChangedEvent(View):
    """The price in force changed because a sale window opened or closed."""

    product_id: str
    skus: list[str]
    listing: ListingView
    previous_effective_price: Money | None


class ProductListing(View):
    product_id: str
    listing: ListingView


class ProductsImportedEvent(View):
    """Products created by one import, with their listings on the partner's channel."""

    products: list[ProductView]
    listings: list[ProductListing]


# Stock events.


class StockChangedEvent(View):
    stock: ChannelStockChange


class StockAlertEvent(View):
    stock: StockAlert


# The envelope every delivery posts.


class WebhookPayload(View):
    # The event id: the same on every delivery and replay of one event.
    id: str
    type: str
    occurred_at: datetime
    data: Any


# Mapping: internal event messages to views. Each takes the partner receiving the delivery.


def _order(event: Any, partner_id: str) -> OrderEvent:
    return OrderEvent(partner_order_view(event.order))


def _payment_failed(event: order_events.OrderPaymentFailed, partner_id: str) -> View:
    return OrderPaymentFailedEvent(partner_order_view(event.order), event.reason or None)


def _cancelled(event: order_events.OrderCancelled, partner_id: str) -> View:
    return OrderCancelledEvent(
        partner_order_view(event.order),
        CANCELLATION_REASON.public(event.reason),
        event.note or None,
    )


def _lines_cancelled(event: order_events.OrderLinesCancelled, partner_id: str) -> View:
    return OrderLinesCancelledEvent(
        partner_order_view(event.order),
        line_quantities(event.lines),
        CANCELLATION_REASON.public(event.reason),
        event.note or None,
    )


def _shipment(event: Any, partner_id: str) -> View:
    return ShipmentEvent(partner_order_view(event.order), shipment_view(event.shipment))


def _return(event: order_events.ReturnReceived, partner_id: str) -> View:
    return ReturnReceivedEvent(
        partner_order_view(event.order), partner_return_view(event.order_return)
    )


def _refund(event: order_events.RefundRecorded, partner_id: str) -> View:
    return RefundRecordedEvent(
        partner_order_view(event.order), event.payment_id, refund_view(event.refund)
    )


def _product(event: Any, partner_id: str) -> View:
    return ProductEvent(product_view(event.product))


def _product_updated(event: catalog_events.ProductUpdated, partner_id: str) -> View:
    public = set(ProductView.__struct_fields__)
    changed = {path.split(".", 1)[0] for path in event.changed_fields.paths}
    return ProductUpdatedEvent(product_view(event.product), sorted(changed & public))


def _product_deleted(event: catalog_events.ProductDeleted, partner_id: str) -> View:
    return ProductDeletedEvent(event.product_id, list(event.skus))


def _about_listing(event: Any) -> dict[str, Any]:
    """What every listing event says: the product, its SKUs and the listing after the change."""
    listing = event.listing
    return {
        "product_id": listing.product_id,
        "skus": list(event.skus),
        "listing": listing_view(listing),
    }


def _published(event: catalog_events.ProductPublished, partner_id: str) -> View:
    return ListingEvent(**_about_listing(event))


def _unpublished(event: catalog_events.ProductUnpublished, partner_id: str) -> View:
    return ListingUnpublishedEvent(**_about_listing(event), reason=event.reason or None)


def _price_changed(event: catalog_events.PriceChanged, partner_id: str) -> View:
    return PriceChangedEvent(
        **_about_listing(event),
        previous_price=money_or_none(event, "previous_price"),
        previous_sale_price=money_or_none(event, "previous_sale_price"),
    )


def _effective_price_changed(event: catalog_events.EffectivePriceChanged, partner_id: str) -> View:
    previous = money_or_none(event, "previous_effective_price")
    return EffectivePriceChangedEvent(**_about_listing(event), previous_effective_price=previous)


def _own(listing: catalog_pb2.ChannelListing, partner_id: str) -> bool:
    return bool(partner_id) and listing.channel.partner_id == partner_id


def _imported(event: catalog_events.ProductsImported, partner_id: str) -> View:
    return ProductsImportedEvent(
        products=[product_view(product) for product in event.products],
        listings=[
            ProductListing(listing.product_id, listing_view(listing))
            for listing in event.listings
            if _own(listing, partner_id)
        ],
    )


def _stock_changed(event: inventory_events.StockChanged, partner_id: str) -> View:
    level = event.stock_level
    available = channel_available(event.channel_availability, partner_id, event.total_available)
    return StockChangedEvent(
        ChannelStockChange(
            sku=level.sku,
            location_id=level.location_id or None,
            cause=MOVEMENT_KIND.public(event.cause),
            available=available,
        )
    )


def _alert(
    event: Any, status: AvailabilityStatus, available: int, threshold: int | None = None
) -> View:
    location_id = event.location_id or None
    return StockAlertEvent(StockAlert(event.sku, location_id, status, available, threshold))


def _low(event: inventory_events.LowStock, partner_id: str) -> View:
    return _alert(event, AvailabilityStatus.LOW_STOCK, event.available, event.threshold)


def _out(event: inventory_events.OutOfStock, partner_id: str) -> View:
    return _alert(event, AvailabilityStatus.OUT_OF_STOCK, 0)


def _back(event: inventory_events.BackInStock, partner_id: str) -> View:
    available = channel_available(event.channel_availability, partner_id, event.available)
    return _alert(event, AvailabilityStatus.IN_STOCK, available)


@dataclass(frozen=True)
class EventView:
    """The view an event type's deliveries carry in `data`, and how it is made."""

    data: type[View]
    make: Callable[[Any, str], View]
    summary: str


EVENTS: dict[str, EventView] = {
    "omni.order.order.placed": EventView(OrderEvent, _order, "A new order (pending)"),
    "omni.order.order.confirmed": EventView(
        OrderEvent, _order, "Stock reserved and payment authorized"
    ),
    "omni.order.order.payment_failed": EventView(
        OrderPaymentFailedEvent, _payment_failed, "Payment declined or failed"
    ),
    "omni.order.order.cancelled": EventView(
        OrderCancelledEvent, _cancelled, "The whole order was cancelled"
    ),
    "omni.order.order.lines_cancelled": EventView(
        OrderLinesCancelledEvent, _lines_cancelled, "Some units were cancelled"
    ),
    "omni.order.shipment.created": EventView(
        ShipmentEvent, _shipment, "Lines fulfilled from one location"
    ),
    "omni.order.order.shipped": EventView(ShipmentEvent, _shipment, "A shipment left"),
    "omni.order.order.delivered": EventView(ShipmentEvent, _shipment, "A shipment arrived"),
    "omni.order.order.ready_for_pickup": EventView(
        OrderEvent, _order, "The order waits at the pickup store"
    ),
    "omni.order.order.collected": EventView(OrderEvent, _order, "The order was collected"),
    "omni.order.return.received": EventView(
        ReturnReceivedEvent, _return, "Goods came back and were restocked"
    ),
    "omni.order.refund.recorded": EventView(
        RefundRecordedEvent, _refund, "A refund was recorded against a payment"
    ),
    "omni.catalog.product.created": EventView(ProductEvent, _product, "A product was created"),
    "omni.catalog.product.updated": EventView(
        ProductUpdatedEvent, _product_updated, "A product changed"
    ),
    "omni.catalog.product.deleted": EventView(
        ProductDeletedEvent, _product_deleted, "A product was deleted"
    ),
    "omni.catalog.product.published": EventView(
        ListingEvent, _published, "A listing on my channel was published"
    ),
    "omni.catalog.product.unpublished": EventView(
        ListingUnpublishedEvent, _unpublished, "A listing on my channel was unpublished"
    ),
    "omni.catalog.products.imported": EventView(
        ProductsImportedEvent, _imported, "Products created by one import"
    ),
    "omni.catalog.price.changed": EventView(
        PriceChangedEvent, _price_changed, "A listing's price on my channel changed"
    ),
    "omni.catalog.price.effective_changed": EventView(
        EffectivePriceChangedEvent,
        _effective_price_changed,
        "The price in force on my channel changed (a sale window opened or closed)",
    ),
    "omni.inventory.stock.changed": EventView(
        StockChangedEvent, _stock_changed, "A SKU's stock changed"
    ),
    "omni.inventory.stock.low": EventView(StockAlertEvent, _low, "A SKU became low on stock"),
    "omni.inventory.stock.out_of_stock": EventView(StockAlertEvent, _out, "A SKU ran out of stock"),
    "omni.inventory.stock.back_in_stock": EventView(
        StockAlertEvent, _back, "A SKU is back in stock"
    ),
}


def webhook_payload(event: Message, partner_id: str) -> bytes:
    """The body posted to one partner's webhooks for an offered event."""
    meta = event.meta  # type: ignore[attr-defined]
    data = EVENTS[meta.event_type].make(event, partner_id)
    return msgspec.json.encode(
        WebhookPayload(meta.event_id, meta.event_type, when(meta.occurred_at), data)
    )
