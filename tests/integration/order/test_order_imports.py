"""Marketplace imports with the real catalog and inventory: one order per partner order, and an
import that stock cannot cover refused with nothing written."""

from __future__ import annotations

import asyncio

import grpc
from order_shop import ADDRESS, CLICK_AND_COLLECT, HOME, WEB, eur, refused

from omni.common.v1 import common_pb2
from omni.inventory.v1 import inventory_pb2
from omni.order.v1 import order_pb2
from omni_kit.errors import error_details
from omni_kit.ids import new_id
from omni_order.api.imports import import_hold_id

P = order_pb2
PARTNER = common_pb2.ChannelRef(
    channel=common_pb2.SALES_CHANNEL_MARKETPLACE, partner_id="ptn_zalando"
)


async def listed(shop, stock: int) -> str:
    """TEE-M and SOCK-1 on the partner's marketplace (and the web), `stock` of each in WH-1."""
    warehouse = await shop.location("WH-1")
    for sku in ("TEE-M", "SOCK-1"):
        await shop.product(sku, 1500, channels=(PARTNER, WEB))
        await shop.receive(warehouse, sku, stock)
    return warehouse


def import_request(
    partner_order_id: str = "Z-1001", **quantities: int
) -> P.ImportMarketplaceOrderRequest:
    return P.ImportMarketplaceOrderRequest(
        partner_id=PARTNER.partner_id,
        partner_order_id=partner_order_id,
        lines=[
            P.ImportLine(partner_line_id=str(n), sku=sku, quantity=units, unit_price=eur(1400))
            for n, (sku, units) in enumerate((quantities or {"TEE-M": 1}).items())
        ],
        buyer=P.MarketplaceBuyer(buyer_id="b-7", name="Kim"),
        delivery=P.DeliveryChoice(mode=HOME, address=ADDRESS),
        delivery_price=eur(0),
    )


async def active_holds(shop, sku: str) -> list[str]:
    reply = await shop.inventory.ListReservations(
        inventory_pb2.ListReservationsRequest(
            sku=sku,
            kind=inventory_pb2.RESERVATION_KIND_CART_HOLD,
            statuses=[inventory_pb2.RESERVATION_STATUS_ACTIVE],
        )
    )
    return [reservation.id for reservation in reply.reservations]


async def events_about(nc, text: str, until: bytes) -> list[tuple[str, bytes]]:
    """Every order event on the bus that mentions `text`, up to the first that mentions `until`
    too (the stream is shared)."""
    sub = await nc.jetstream().subscribe("omni.order.>", ordered_consumer=True)
    seen: list[tuple[str, bytes]] = []
    try:
        while True:
            msg = await sub.next_msg(timeout=10)
            if text.encode() in msg.data:
                seen.append((msg.subject, msg.data))
                if until in msg.data and msg.subject.endswith(".confirmed"):
                    return seen
    finally:
        await sub.unsubscribe()


async def test_a_marketplace_order_is_imported_once(shop):
    warehouse = await listed(shop, stock=5)
    request = import_request()
    first = await shop.order.ImportMarketplaceOrder(request)
    assert first.created and first.order.status == P.ORDER_STATUS_CONFIRMED
    assert first.order.totals.total.amount_minor == 1400
    second = await shop.order.ImportMarketplaceOrder(request)
    assert (second.created, second.order.id) == (False, first.order.id)
    assert (await shop.level("TEE-M", warehouse)).reserved == 1  # held once, not twice
    assert await active_holds(shop, "TEE-M") == []
    mine = await shop.order.ListOrders(P.ListOrdersRequest(partner_id="ptn_zalando"))
    assert [o.id for o in mine.orders] == [first.order.id]
    others = await shop.order.ListOrders(P.ListOrdersRequest(partner_id="ptn_other"))
    assert list(others.orders) == []


async def test_an_import_beyond_stock_is_refused_with_nothing_written_and_imports_later(shop, nc):
    warehouse = await listed(shop, stock=3)
    cart = await shop.add((await shop.cart()).id, "TEE-M", 1)
    partner_order_id = new_id("Z")
    request = import_request(partner_order_id, **{"SOCK-1": 1, "TEE-M": 3})

    refusal = await refused(shop.order.ImportMarketplaceOrder(request))
    assert (refusal.code, refusal.reason) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "INSUFFICIENT_STOCK",
    )
    assert refusal.field == "lines[1].quantity"
    assert (refusal.metadata["sku"], refusal.metadata["available"]) == ("TEE-M", "2")
    assert partner_order_id in refusal.message
    mine = await shop.order.ListOrders(P.ListOrdersRequest(partner_id="ptn_zalando"))
    assert list(mine.orders) == []
    assert (await shop.level("TEE-M", warehouse)).reserved == 1  # the cart's hold, nothing more
    assert (await shop.level("SOCK-1", warehouse)).reserved == 0
    assert await active_holds(shop, "TEE-M") == [cart.lines[0].reservation_id]

    await shop.receive(warehouse, "TEE-M", 1)
    later = await shop.order.ImportMarketplaceOrder(request)
    assert later.created and later.order.status == P.ORDER_STATUS_CONFIRMED
    assert (await shop.level("TEE-M", warehouse)).reserved == 1 + 3
    assert await active_holds(shop, "TEE-M") == [cart.lines[0].reservation_id]
    # The refused attempt published nothing: every event of this partner order is the import's.
    events = await events_about(nc, partner_order_id, until=later.order.id.encode())
    assert [subject for subject, _ in events] == [
        "omni.order.order.placed",
        "omni.order.order.confirmed",
    ]
    assert all(later.order.id.encode() in data for _, data in events)


async def test_the_same_partner_order_imported_at_once_is_one_order_holding_stock_once(shop):
    warehouse = await listed(shop, stock=2)
    request = import_request(**{"TEE-M": 2})
    replies = await asyncio.gather(*(shop.order.ImportMarketplaceOrder(request) for _ in range(4)))
    assert len({reply.order.id for reply in replies}) == 1
    created = [reply for reply in replies if reply.created]
    assert len(created) == 1  # the others answer with the order as it stands (maybe pending)
    assert created[0].order.status == P.ORDER_STATUS_CONFIRMED
    level = await shop.level("TEE-M", warehouse)
    assert (level.reserved, level.available) == (2, 0)
    assert await active_holds(shop, "TEE-M") == []


async def test_a_rush_of_imports_confirms_what_stock_covers_and_refuses_the_rest_cleanly(shop):
    warehouse = await listed(shop, stock=3)

    async def outcome(number: int) -> str:
        try:
            reply = await shop.order.ImportMarketplaceOrder(import_request(f"R-{number}"))
        except grpc.aio.AioRpcError as error:
            return error_details(error).reason
        return P.OrderStatus.Name(reply.order.status)

    outcomes = await asyncio.gather(*(outcome(n) for n in range(8)))
    assert sorted(outcomes) == ["INSUFFICIENT_STOCK"] * 5 + ["ORDER_STATUS_CONFIRMED"] * 3
    mine = await shop.order.ListOrders(P.ListOrdersRequest(partner_id="ptn_zalando"))
    assert len(mine.orders) == 3
    level = await shop.level("TEE-M", warehouse)
    assert (level.reserved, level.available) == (3, 0)


async def test_an_import_whose_earlier_hold_lapsed_holds_again(shop):
    """An import that died between its hold and its order left a hold that is gone by now."""
    warehouse = await listed(shop, stock=2)
    request = import_request(**{"TEE-M": 2})
    lapsed = import_hold_id("ptn_zalando:Z-1001", 1)
    await shop.inventory.ReserveStock(
        inventory_pb2.ReserveStockRequest(
            reservation_id=lapsed,
            kind=inventory_pb2.RESERVATION_KIND_CART_HOLD,
            lines=[inventory_pb2.StockQuantity(sku="TEE-M", quantity=2)],
            channel=PARTNER,
            allow_split=True,
        )
    )
    await shop.inventory.ReleaseReservation(
        inventory_pb2.ReleaseReservationRequest(reservation_id=lapsed, reason="lapsed")
    )
    imported = await shop.order.ImportMarketplaceOrder(request)
    assert imported.created and imported.order.status == P.ORDER_STATUS_CONFIRMED
    assert (await shop.level("TEE-M", warehouse)).reserved == 2
    assert await active_holds(shop, "TEE-M") == []


async def test_an_import_for_collection_at_an_unknown_store_is_refused_before_holding(shop):
    await listed(shop, stock=2)
    request = import_request()
    request.delivery.CopyFrom(
        P.DeliveryChoice(mode=CLICK_AND_COLLECT, pickup_location_id="loc_nowhere")
    )
    refusal = await refused(shop.order.ImportMarketplaceOrder(request))
    assert (refusal.reason, refusal.field) == (
        "LOCATION_NOT_FOUND",
        "delivery.pickup_location_id",
    )
    assert await active_holds(shop, "TEE-M") == []
