"""Inventory's facts on NATS (via the outbox): stock changed with channel availability, low,
out of stock, back in stock (per location and over all), reservation expired."""

from __future__ import annotations

import asyncio

from google.protobuf.duration_pb2 import Duration
from inventory_helpers import add_location, receive

from omni.common.v1 import common_pb2
from omni.inventory.v1 import events_pb2, inventory_pb2
from omni_kit.ids import new_id

TYPES = {
    "omni.inventory.stock.changed": events_pb2.StockChanged,
    "omni.inventory.stock.low": events_pb2.LowStock,
    "omni.inventory.stock.out_of_stock": events_pb2.OutOfStock,
    "omni.inventory.stock.back_in_stock": events_pb2.BackInStock,
    "omni.inventory.stock.reserved": events_pb2.StockReserved,
    "omni.inventory.reservation.expired": events_pb2.ReservationExpired,
}


def about(sku: str, event) -> bool:
    if hasattr(event, "stock_level"):
        return event.stock_level.sku == sku
    if hasattr(event, "reservation"):
        return any(line.sku == sku for line in event.reservation.lines)
    return getattr(event, "sku", "") == sku


async def events_until(nc, sku: str, done, timeout: float = 10.0) -> list[tuple[str, object]]:
    """Every inventory event about `sku`, from the start of the stream, until `done(events)`."""
    sub = await nc.jetstream().subscribe("omni.inventory.>", ordered_consumer=True)
    seen: list[tuple[str, object]] = []
    try:
        async with asyncio.timeout(timeout):
            while not done(seen):
                msg = await sub.next_msg(timeout=timeout)
                message_type = TYPES.get(msg.subject)
                if message_type is None:
                    continue
                event = message_type.FromString(msg.data)
                if about(sku, event):
                    seen.append((msg.subject.removeprefix("omni.inventory."), event))
    finally:
        await sub.unsubscribe()
    return seen


def names(seen) -> list[str]:
    return [name for name, _ in seen]


async def test_stock_facts_follow_available_units_per_location_and_overall(start_inventory, nc):
    stub = (await start_inventory(expiry_sweep_seconds=0.2)).stub
    sku = f"EVT-{new_id()[:8]}"
    marketplace = common_pb2.ChannelRef(
        channel=common_pb2.SALES_CHANNEL_MARKETPLACE, partner_id="mp-1"
    )
    await stub.SetChannelStockPolicy(
        inventory_pb2.SetChannelStockPolicyRequest(
            policy=inventory_pb2.ChannelStockPolicy(
                channel=marketplace, share_percent=50, buffer_units=1
            )
        )
    )
    berlin = await add_location(stub, "BER-01")
    await receive(stub, berlin, sku, 10)
    hold = inventory_pb2.ReserveStockRequest(
        kind=inventory_pb2.RESERVATION_KIND_CART_HOLD,
        ttl=Duration(seconds=1),
        lines=[inventory_pb2.StockQuantity(sku=sku, quantity=6)],
    )
    hold.reservation_id = "hold-a"
    await stub.ReserveStock(hold)
    hold.reservation_id, hold.lines[0].quantity = "hold-b", 4
    await stub.ReserveStock(hold)

    seen = await events_until(nc, sku, lambda s: names(s).count("reservation.expired") == 2)

    changed = [event for name, event in seen if name == "stock.changed"]
    receipt = changed[0]
    assert receipt.cause == inventory_pb2.MOVEMENT_KIND_RECEIPT
    assert (receipt.on_hand_delta, receipt.total_available) == (10, 10)
    shares = {row.channel.partner_id: row.available for row in receipt.channel_availability}
    assert shares == {"": 10, "mp-1": 4}
    assert [e.reserved_delta for e in changed[1:3]] == [6, 4]

    def facts(name: str) -> list[str]:
        return [event.location_id for n, event in seen if n == name]

    # Twice back in stock: on receipt and after the holds expired; per location and overall.
    assert sorted(facts("stock.back_in_stock")) == sorted([berlin, "", berlin, ""])
    assert sorted(facts("stock.low")) == sorted([berlin, ""])
    assert sorted(facts("stock.out_of_stock")) == sorted([berlin, ""])
    order = names(seen)
    assert order.index("stock.low") < order.index("stock.out_of_stock")
    assert order.index("stock.out_of_stock") < order.index("reservation.expired")
    expired = [event for name, event in seen if name == "reservation.expired"]
    assert {event.reservation.id for event in expired} == {"hold-a", "hold-b"}
    assert all(e.reservation.status == inventory_pb2.RESERVATION_STATUS_EXPIRED for e in expired)


async def test_stock_events_naming_several_channels_are_still_published(start_inventory, nc):
    stub = (await start_inventory()).stub
    sku = f"TWO-{new_id()[:8]}"
    for channel in (common_pb2.SALES_CHANNEL_MARKETPLACE, common_pb2.SALES_CHANNEL_APP):
        await stub.SetChannelStockPolicy(
            inventory_pb2.SetChannelStockPolicyRequest(
                policy=inventory_pb2.ChannelStockPolicy(
                    channel=common_pb2.ChannelRef(channel=channel), share_percent=50
                )
            )
        )
    berlin = await add_location(stub, "BER-01")
    await receive(stub, berlin, sku, 4)
    seen = await events_until(nc, sku, lambda s: "stock.changed" in names(s))
    changed = next(event for name, event in seen if name == "stock.changed")
    shares = sorted(row.available for row in changed.channel_availability)
    assert shares == [2, 2, 4]
