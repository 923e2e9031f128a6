"""Reservations over real gRPC: never oversell, idempotent by id, release/commit, caps, expiry."""

from __future__ import annotations

import asyncio
from collections import Counter

import grpc
import pytest
from google.protobuf.duration_pb2 import Duration
from inventory_helpers import add_location, level, receive

from omni.common.v1 import common_pb2
from omni.inventory.v1 import inventory_pb2
from omni_kit.errors import error_details
from omni_kit.idempotency import call_metadata, was_replayed

CART_HOLD = inventory_pb2.RESERVATION_KIND_CART_HOLD
ORDER = inventory_pb2.RESERVATION_KIND_ORDER


def reserve_request(reservation_id: str, sku: str, quantity: int, **fields):
    return inventory_pb2.ReserveStockRequest(
        reservation_id=reservation_id,
        kind=fields.pop("kind", ORDER),
        lines=[
            inventory_pb2.StockQuantity(
                sku=sku, quantity=quantity, location_id=fields.pop("location_id", "")
            )
        ],
        **fields,
    )


async def test_300_concurrent_holds_for_100_units_over_3_locations_never_oversell(stub):
    locations = [await add_location(stub, code) for code in ("A-1", "B-1", "C-1")]
    for location_id, units in zip(locations, (34, 33, 33), strict=True):
        await receive(stub, location_id, "FLASH", units)

    async def attempt(number: int):
        try:
            return await stub.ReserveStock(reserve_request(f"res-{number}", "FLASH", 1))
        except grpc.aio.AioRpcError as refused:
            return error_details(refused)

    results = await asyncio.gather(*(attempt(n) for n in range(300)))
    won = [r.reservation for r in results if isinstance(r, inventory_pb2.ReserveStockResponse)]
    lost = [r for r in results if not isinstance(r, inventory_pb2.ReserveStockResponse)]
    assert len(won) == 100
    assert len(lost) == 200
    assert {(r.code, r.reason) for r in lost} == {
        (grpc.StatusCode.FAILED_PRECONDITION, "INSUFFICIENT_STOCK")
    }
    assert all(r.metadata["available"] == "0" for r in lost)
    per_location = Counter(line.location_id for r in won for line in r.lines)
    assert per_location == {locations[0]: 34, locations[1]: 33, locations[2]: 33}
    for location_id in locations:
        stock = await level(stub, "FLASH", location_id)
        assert (stock.available, stock.reserved) == (0, stock.on_hand)
        assert stock.reserved == per_location[location_id]


async def test_a_refusal_names_how_many_are_available(stub):
    berlin = await add_location(stub, "BER-01")
    await receive(stub, berlin, "SOCK", 3)
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.ReserveStock(reserve_request("r1", "SOCK", 5))
    details = error_details(refused.value)
    assert details.code == grpc.StatusCode.FAILED_PRECONDITION
    assert details.metadata["available"] == "3"
    assert details.field == "lines[0].quantity"
    assert "only 3 units" in details.message


async def test_reserving_is_idempotent_by_reservation_id(stub):
    berlin = await add_location(stub, "BER-01")
    await receive(stub, berlin, "SOCK", 5)
    first = await stub.ReserveStock(reserve_request("order-1", "SOCK", 2))
    again = await stub.ReserveStock(reserve_request("order-1", "SOCK", 2))
    assert first.reservation == again.reservation
    assert (await level(stub, "SOCK", berlin)).reserved == 2
    with pytest.raises(grpc.aio.AioRpcError) as clash:
        await stub.ReserveStock(reserve_request("order-1", "SOCK", 3))
    assert error_details(clash.value).code == grpc.StatusCode.ALREADY_EXISTS


async def test_a_reservation_splits_over_locations_and_commits_and_releases(stub):
    north = await add_location(stub, "NORTH")
    south = await add_location(stub, "SOUTH")
    await receive(stub, north, "JACKET", 2)
    await receive(stub, south, "JACKET", 3)
    with pytest.raises(grpc.aio.AioRpcError) as whole:
        await stub.ReserveStock(reserve_request("o-1", "JACKET", 4))
    assert error_details(whole.value).reason == "INSUFFICIENT_STOCK_AT_ONE_LOCATION"

    split = (
        await stub.ReserveStock(reserve_request("o-1", "JACKET", 4, allow_split=True))
    ).reservation
    assert sorted((line.location_id, line.quantity) for line in split.lines) == sorted(
        [(south, 3), (north, 1)]
    )
    shipment = inventory_pb2.CommitReservationRequest(
        reservation_id="o-1",
        lines=[inventory_pb2.StockQuantity(sku="JACKET", quantity=3, location_id=south)],
        reference="shipment-1",
    )
    committed = (
        await stub.CommitReservation(
            shipment, metadata=call_metadata("shipment-1", "service:order")
        )
    ).reservation
    assert committed.status == inventory_pb2.RESERVATION_STATUS_PARTIALLY_COMMITTED
    call = stub.CommitReservation(shipment, metadata=call_metadata("shipment-1", "service:order"))
    assert (await call).reservation == committed
    assert was_replayed(await call.trailing_metadata())
    south_level = await level(stub, "JACKET", south)
    assert (south_level.on_hand, south_level.reserved) == (0, 0)

    released = (
        await stub.ReleaseReservation(
            inventory_pb2.ReleaseReservationRequest(reservation_id="o-1", reason="cancelled")
        )
    ).reservation
    assert released.status == inventory_pb2.RESERVATION_STATUS_COMMITTED
    north_level = await level(stub, "JACKET", north)
    assert (north_level.on_hand, north_level.reserved, north_level.available) == (2, 0, 2)


async def test_releasing_a_committed_reservation_is_refused_and_changes_nothing(stub, nc):
    berlin = await add_location(stub, "BER-01")
    await receive(stub, berlin, "HAT", 2)
    await stub.ReserveStock(reserve_request("o-9", "HAT", 2))
    await stub.CommitReservation(inventory_pb2.CommitReservationRequest(reservation_id="o-9"))
    before = await level(stub, "HAT", berlin)
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.ReleaseReservation(inventory_pb2.ReleaseReservationRequest(reservation_id="o-9"))
    details = error_details(refused.value)
    assert (details.code, details.reason, details.field) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "RESERVATION_COMMITTED",
        "reservation_id",
    )
    assert await level(stub, "HAT", berlin) == before


async def test_replacing_cart_holds_by_an_order_reservation_keeps_the_units(stub):
    berlin = await add_location(stub, "BER-01")
    await receive(stub, berlin, "LAST", 1)
    await stub.ReserveStock(reserve_request("cart-1", "LAST", 1, kind=CART_HOLD))
    order = await stub.ReserveStock(
        reserve_request("order-1", "LAST", 1, replaces_reservation_ids=["cart-1", "never-made"])
    )
    assert order.reservation.status == inventory_pb2.RESERVATION_STATUS_ACTIVE
    hold = await stub.GetReservation(inventory_pb2.GetReservationRequest(reservation_id="cart-1"))
    assert hold.reservation.status == inventory_pb2.RESERVATION_STATUS_RELEASED
    assert (await level(stub, "LAST", berlin)).reserved == 1


async def test_one_customer_cannot_hold_more_than_the_cap(start_inventory):
    stub = (await start_inventory(hold_cap_units=5)).stub
    berlin = await add_location(stub, "BER-01")
    await receive(stub, berlin, "CONSOLE", 100)
    owner = inventory_pb2.ReservationOwner(customer_id="cus-greedy", cart_id="c1")
    await stub.ReserveStock(reserve_request("h1", "CONSOLE", 4, kind=CART_HOLD, owner=owner))
    with pytest.raises(grpc.aio.AioRpcError) as capped:
        await stub.ReserveStock(reserve_request("h2", "CONSOLE", 2, kind=CART_HOLD, owner=owner))
    details = error_details(capped.value)
    assert (details.code, details.reason) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "HOLD_CAP_EXCEEDED",
    )
    assert details.metadata["cap"] == "5"
    assert "cap of 5 units" in details.message
    other = inventory_pb2.ReservationOwner(customer_id="cus-other")
    await stub.ReserveStock(reserve_request("h3", "CONSOLE", 5, kind=CART_HOLD, owner=other))
    # An order reservation is not a cart hold: the cap does not apply.
    await stub.ReserveStock(reserve_request("o1", "CONSOLE", 20, owner=owner))
    assert (await level(stub, "CONSOLE", berlin)).reserved == 29


async def test_holds_expire_and_stock_returns_even_when_their_process_died(start_inventory):
    first = await start_inventory(expiry_sweep_seconds=3600)
    berlin = await add_location(first.stub, "BER-01")
    await receive(first.stub, berlin, "TOY", 3)
    ttl = Duration(seconds=1)
    await first.stub.ReserveStock(reserve_request("hold-1", "TOY", 2, kind=CART_HOLD, ttl=ttl))
    assert (await level(first.stub, "TOY", berlin)).available == 1
    await first.stop()

    second = await start_inventory(expiry_sweep_seconds=0.2)
    for _ in range(100):
        hold = await second.stub.GetReservation(
            inventory_pb2.GetReservationRequest(reservation_id="hold-1")
        )
        if hold.reservation.status == inventory_pb2.RESERVATION_STATUS_EXPIRED:
            break
        await asyncio.sleep(0.1)
    assert hold.reservation.status == inventory_pb2.RESERVATION_STATUS_EXPIRED
    stock = await level(second.stub, "TOY", berlin)
    assert (stock.reserved, stock.available) == (0, 3)


async def test_a_marketplace_reserves_only_within_its_share(stub):
    berlin = await add_location(stub, "BER-01")
    await receive(stub, berlin, "DRONE", 10)
    marketplace = common_pb2.ChannelRef(
        channel=common_pb2.SALES_CHANNEL_MARKETPLACE, partner_id="mp-9"
    )
    await stub.SetChannelStockPolicy(
        inventory_pb2.SetChannelStockPolicyRequest(
            policy=inventory_pb2.ChannelStockPolicy(
                channel=marketplace, share_percent=50, buffer_units=1
            )
        )
    )
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.ReserveStock(reserve_request("mp-1", "DRONE", 5, channel=marketplace))
    assert error_details(refused.value).metadata["available"] == "4"
    await stub.ReserveStock(reserve_request("mp-2", "DRONE", 4, channel=marketplace))
    # The web shop still sees the rest.
    await stub.ReserveStock(reserve_request("web-1", "DRONE", 6))


async def test_a_cart_hold_can_be_extended_but_not_once_settled(stub):
    berlin = await add_location(stub, "BER-01")
    await receive(stub, berlin, "KITE", 2)
    hold = (
        await stub.ReserveStock(
            reserve_request("hold-x", "KITE", 1, kind=CART_HOLD, ttl=Duration(seconds=60))
        )
    ).reservation
    extended = (
        await stub.ExtendReservation(
            inventory_pb2.ExtendReservationRequest(
                reservation_id="hold-x", ttl=Duration(seconds=600)
            )
        )
    ).reservation
    assert extended.expires_at.seconds >= hold.expires_at.seconds + 500
    await stub.ReleaseReservation(inventory_pb2.ReleaseReservationRequest(reservation_id="hold-x"))
    with pytest.raises(grpc.aio.AioRpcError) as settled:
        await stub.ExtendReservation(
            inventory_pb2.ExtendReservationRequest(reservation_id="hold-x")
        )
    assert error_details(settled.value).reason == "RESERVATION_RELEASED"
