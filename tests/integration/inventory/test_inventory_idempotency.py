"""One idempotency path over real gRPC: a keyed change runs once per caller and key; a repeat gets
the stored answer marked replayed; another request under the key is refused and writes nothing."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime

import grpc
import pytest
from google.protobuf.duration_pb2 import Duration
from google.protobuf.field_mask_pb2 import FieldMask
from inventory_helpers import add_location, level, receive, snapshot

from omni.common.v1 import common_pb2
from omni.inventory.v1 import inventory_pb2
from omni_kit.errors import error_details
from omni_kit.idempotency import call_metadata, was_replayed
from omni_kit.protos import to_timestamp

INV = inventory_pb2
ORDER = INV.RESERVATION_KIND_ORDER
COUNT = INV.ADJUSTMENT_REASON_COUNT_CORRECTION


async def send(method, request, key: str, caller: str = "test"):
    """(response, replayed) of one keyed call."""
    call = method(request, metadata=call_metadata(key, caller))
    response = await call
    return response, was_replayed(await call.trailing_metadata())


async def twice(method, request, key: str):
    """Send a keyed request twice: the second must be the first's answer, marked replayed."""
    first, first_replayed = await send(method, request, key)
    again, replayed = await send(method, request, key)
    assert (first_replayed, replayed) == (False, True), type(request).__name__
    assert again == first, type(request).__name__
    return first


async def refused(method, request, key: str | None = None, caller: str = "test"):
    metadata = call_metadata(key, caller) if key else None
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await method(request, metadata=metadata)
    return error_details(failure.value)


async def events(db, subject: str) -> int:
    return await db.outbox.count_documents({"subject": f"omni.inventory.{subject}"})


def adjust(location_id: str, delta: int, sku: str = "TEE") -> INV.AdjustStockRequest:
    return INV.AdjustStockRequest(
        sku=sku, location_id=location_id, quantity_delta=delta, reason=COUNT
    )


def reserve(reservation_id: str, quantity: int, **fields) -> INV.ReserveStockRequest:
    return INV.ReserveStockRequest(
        reservation_id=reservation_id,
        kind=fields.pop("kind", ORDER),
        lines=[INV.StockQuantity(sku=fields.pop("sku", "TEE"), quantity=quantity)],
        **fields,
    )


@pytest.fixture
def db(mongo, db_name):
    return mongo[f"{db_name}_inventory"]


async def test_a_repeated_adjustment_answers_the_same_and_moves_stock_once(stub, db):
    berlin = await add_location(stub, "BER-01")
    await receive(stub, berlin, "TEE", 10)
    changed = await events(db, "stock.changed")

    first = await twice(stub.AdjustStock, adjust(berlin, -2), "count-7")

    assert first.stock_level.on_hand == 8
    assert (await level(stub, "TEE", berlin)).on_hand == 8
    ledger = await stub.ListLedgerEntries(INV.ListLedgerEntriesRequest(sku="TEE"))
    adjustments = [e for e in ledger.entries if e.kind == INV.MOVEMENT_KIND_ADJUSTMENT]
    assert [(e.quantity_delta, e.request_id) for e in adjustments] == [(-2, "count-7")]
    assert first.entry == adjustments[0]
    assert await events(db, "stock.changed") == changed + 1


async def test_the_same_key_for_another_request_is_refused_and_writes_nothing(stub, db):
    berlin = await add_location(stub, "BER-01")
    await receive(stub, berlin, "TEE", 10)
    await send(stub.AdjustStock, adjust(berlin, -1), "k1")
    await send(stub.ReserveStock, reserve("res-1", 2), "k2")
    before = await snapshot(db)

    for method, request, key in [
        (stub.AdjustStock, adjust(berlin, -2), "k1"),
        (stub.ReserveStock, reserve("res-2", 2), "k2"),
        (stub.ReserveStock, reserve("res-1", 3), "k2"),
    ]:
        details = await refused(method, request, key)
        assert (details.code, details.reason, details.field) == (
            grpc.StatusCode.INVALID_ARGUMENT,
            "IDEMPOTENCY_KEY_REUSED",
            "Idempotency-Key",
        )
        assert details.metadata["key"] == key
    assert await snapshot(db) == before


async def test_concurrent_duplicates_have_one_effect_and_the_same_answer(start_inventory, db):
    # Two instances on one store: duplicates meet in the store, not only in one process's locks.
    stubs = [(await start_inventory()).stub for _ in range(2)]
    berlin = await add_location(stubs[0], "BER-01")
    await receive(stubs[0], berlin, "TEE", 10)

    reserved = await asyncio.gather(
        *(send(stubs[n % 2].ReserveStock, reserve("res-1", 3), "hold-1") for n in range(5))
    )
    adjusted = await asyncio.gather(
        *(send(stubs[n % 2].AdjustStock, adjust(berlin, 4), "count-1") for n in range(5))
    )

    for answers in (reserved, adjusted):
        assert len({response.SerializeToString() for response, _ in answers}) == 1
        assert sorted(replayed for _, replayed in answers) == [False] + [True] * 4
    stock = await level(stubs[0], "TEE", berlin)
    assert (stock.on_hand, stock.reserved) == (14, 3)
    assert await db.reservations.count_documents({}) == 1
    assert await events(db, "stock.reserved") == 1
    ledger = await stubs[1].ListLedgerEntries(INV.ListLedgerEntriesRequest(sku="TEE"))
    kinds = Counter(entry.kind for entry in ledger.entries)
    assert kinds == {INV.MOVEMENT_KIND_RECEIPT: 1, INV.MOVEMENT_KIND_ADJUSTMENT: 1}


async def test_two_callers_may_use_the_same_key(stub):
    berlin = await add_location(stub, "BER-01")
    await receive(stub, berlin, "TEE", 10)
    first, replayed_first = await send(stub.AdjustStock, adjust(berlin, -1), "k", "gateway:cus-1")
    other, replayed_other = await send(stub.AdjustStock, adjust(berlin, -2), "k", "gateway:cus-2")
    assert (replayed_first, replayed_other) == (False, False)
    assert (first.stock_level.on_hand, other.stock_level.on_hand) == (9, 7)


async def test_a_refused_change_is_not_remembered_so_its_retry_can_succeed(stub):
    berlin = await add_location(stub, "BER-01")
    await receive(stub, berlin, "TEE", 1)
    short = await refused(stub.ReserveStock, reserve("res-1", 3), "hold-1")
    assert short.reason == "INSUFFICIENT_STOCK"
    await receive(stub, berlin, "TEE", 5)
    reply, replayed = await send(stub.ReserveStock, reserve("res-1", 3), "hold-1")
    assert (reply.reservation.status, replayed) == (INV.RESERVATION_STATUS_ACTIVE, False)


async def test_a_reservation_id_is_the_reservations_identity_not_a_replay(stub, db):
    berlin = await add_location(stub, "BER-01")
    await receive(stub, berlin, "TEE", 10)
    first, _ = await send(stub.ReserveStock, reserve("res-1", 2), "attempt-1")
    again, replayed = await send(stub.ReserveStock, reserve("res-1", 2), "attempt-2")
    unkeyed = await stub.ReserveStock(reserve("res-1", 2))
    assert again == first == unkeyed
    assert replayed is False
    assert (await level(stub, "TEE", berlin)).reserved == 2
    assert await events(db, "stock.reserved") == 1
    clash = await refused(stub.ReserveStock, reserve("res-1", 4), "attempt-3")
    assert (clash.code, clash.reason) == (grpc.StatusCode.ALREADY_EXISTS, "RESERVATION_EXISTS")


async def test_a_partial_release_or_commit_needs_a_key_and_runs_once_under_it(stub, db):
    berlin = await add_location(stub, "BER-01")
    await receive(stub, berlin, "TEE", 10)
    await stub.ReserveStock(reserve("res-1", 6))
    part = [INV.StockQuantity(sku="TEE", quantity=2)]
    release = INV.ReleaseReservationRequest(reservation_id="res-1", lines=part)
    commit = INV.CommitReservationRequest(reservation_id="res-1", lines=part, reference="shp-1")
    before = await snapshot(db)
    for method, request in [(stub.ReleaseReservation, release), (stub.CommitReservation, commit)]:
        details = await refused(method, request)
        assert (details.code, details.field) == (
            grpc.StatusCode.INVALID_ARGUMENT,
            "Idempotency-Key",
        )
    assert await snapshot(db) == before

    await twice(stub.ReleaseReservation, release, "cancel-line-1")
    held = (await twice(stub.CommitReservation, commit, "shp-1")).reservation
    assert [(li.committed_quantity, li.released_quantity) for li in held.lines] == [(2, 2)]
    stock = await level(stub, "TEE", berlin)
    assert (stock.on_hand, stock.reserved) == (8, 2)
    assert await events(db, "reservation.released") == 1
    assert await events(db, "reservation.committed") == 1


async def test_settling_a_settled_reservation_again_is_harmless(stub, db):
    berlin = await add_location(stub, "BER-01")
    await receive(stub, berlin, "TEE", 10)
    await stub.ReserveStock(reserve("gone", 2))
    await stub.ReserveStock(reserve("sold", 3))
    for _ in range(2):  # without keys: the state makes the repeat a no-op
        released = await stub.ReleaseReservation(
            INV.ReleaseReservationRequest(reservation_id="gone")
        )
        committed = await stub.CommitReservation(
            INV.CommitReservationRequest(reservation_id="sold")
        )
        assert released.reservation.status == INV.RESERVATION_STATUS_RELEASED
        assert committed.reservation.status == INV.RESERVATION_STATUS_COMMITTED
    stock = await level(stub, "TEE", berlin)
    assert (stock.on_hand, stock.reserved) == (7, 0)
    assert await events(db, "reservation.released") == 1
    assert await events(db, "reservation.committed") == 1


async def test_every_state_changing_rpc_runs_once_under_its_key(stub, db):
    def location(code: str) -> INV.CreateStockLocationRequest:
        return INV.CreateStockLocationRequest(
            location=INV.StockLocation(
                code=code,
                name=code,
                kind=INV.LOCATION_KIND_STORE,
                geo=common_pb2.GeoPoint(lat=52.5, lng=13.4),
                capabilities=INV.LocationCapabilities(ships=True, click_and_collect=True),
            )
        )

    def tee(quantity: int) -> list[INV.StockQuantity]:
        return [INV.StockQuantity(sku="TEE", quantity=quantity)]

    a = (await twice(stub.CreateStockLocation, location("LOC-A"), "loc-a")).location.id
    b = (await twice(stub.CreateStockLocation, location("LOC-B"), "loc-b")).location.id
    renamed = INV.UpdateStockLocationRequest(
        location=INV.StockLocation(id=a, name="Alexanderplatz"),
        update_mask=FieldMask(paths=["name"]),
    )
    assert (await twice(stub.UpdateStockLocation, renamed, "rename")).location.version == 2
    await twice(stub.ReceiveStock, INV.ReceiveStockRequest(location_id=a, lines=tee(10)), "po-1")
    await twice(
        stub.SetSafetyStock,
        INV.SetSafetyStockRequest(sku="TEE", location_id=a, safety_stock=1),
        "safety",
    )
    await twice(stub.AdjustStock, adjust(a, -1), "count")
    when = to_timestamp(datetime(2030, 1, 15, tzinfo=UTC))
    inbound = INV.InboundStock(sku="TEE", location_id=b, quantity=5, expected_at=when)
    await twice(stub.RecordInbound, INV.RecordInboundRequest(inbound=inbound), "inbound")
    hold = reserve("hold-1", 1, kind=INV.RESERVATION_KIND_CART_HOLD, ttl=Duration(seconds=60))
    await twice(stub.ReserveStock, hold, "hold")
    await twice(
        stub.ExtendReservation,
        INV.ExtendReservationRequest(reservation_id="hold-1", ttl=Duration(seconds=600)),
        "extend",
    )
    await twice(
        stub.ReleaseReservation, INV.ReleaseReservationRequest(reservation_id="hold-1"), "free"
    )
    await twice(stub.ReserveStock, reserve("order-1", 2), "reserve")
    await twice(
        stub.CommitReservation, INV.CommitReservationRequest(reservation_id="order-1"), "ship"
    )
    moving = INV.CreateTransferRequest(from_location_id=a, to_location_id=b, lines=tee(2))
    transfer = (await twice(stub.CreateTransfer, moving, "transfer")).transfer.id
    await twice(stub.ShipTransfer, INV.ShipTransferRequest(transfer_id=transfer), "send")
    await twice(stub.ReceiveTransfer, INV.ReceiveTransferRequest(transfer_id=transfer), "arrive")
    dropped = (await twice(stub.CreateTransfer, moving, "transfer-2")).transfer.id
    await twice(stub.CancelTransfer, INV.CancelTransferRequest(transfer_id=dropped), "drop")
    back = INV.ReturnToStockRequest(
        location_id=b,
        return_id="ret-1",
        lines=[INV.ReturnLine(sku="TEE", quantity=1, condition=common_pb2.ITEM_CONDITION_SELLABLE)],
    )
    await twice(stub.ReturnToStock, back, "return")
    share = INV.SetChannelStockPolicyRequest(
        policy=INV.ChannelStockPolicy(
            channel=common_pb2.ChannelRef(channel=common_pb2.SALES_CHANNEL_MARKETPLACE),
            share_percent=50,
        )
    )
    await twice(stub.SetChannelStockPolicy, share, "policy")

    ledger = await stub.ListLedgerEntries(INV.ListLedgerEntriesRequest(sku="TEE"))
    assert [(e.kind, e.quantity_delta, e.request_id) for e in ledger.entries] == [
        (INV.MOVEMENT_KIND_RECEIPT, 10, "po-1"),
        (INV.MOVEMENT_KIND_ADJUSTMENT, -1, "count"),
        (INV.MOVEMENT_KIND_RESERVATION_COMMIT, -2, "ship"),
        (INV.MOVEMENT_KIND_TRANSFER_OUT, -2, "send"),
        (INV.MOVEMENT_KIND_TRANSFER_IN, 2, "arrive"),
        (INV.MOVEMENT_KIND_RETURN, 1, "return"),
    ]
    assert ((await level(stub, "TEE", a)).on_hand, (await level(stub, "TEE", b)).on_hand) == (5, 3)
    assert await db.transfers.count_documents({}) == 2
    assert await db.locations.count_documents({}) == 2
