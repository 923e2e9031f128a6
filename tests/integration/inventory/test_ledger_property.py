"""After any sequence of operations, some sent twice under their idempotency key as a retrying
client would, on hand equals the ledger sum at every location, and reserved equals what live
reservations hold (hypothesis, bounded examples, real service)."""

from __future__ import annotations

import grpc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from inventory_helpers import add_location

from omni.common.v1 import common_pb2
from omni.inventory.v1 import inventory_pb2
from omni_kit.errors import error_details
from omni_kit.idempotency import call_metadata
from omni_kit.ids import new_id

PLACES = 2
place = st.integers(0, PLACES - 1)
units = st.integers(1, 6)
operations = st.lists(
    st.tuples(
        st.one_of(
            st.tuples(st.just("receive"), place, units),
            st.tuples(st.just("adjust"), place, st.integers(-5, 5).filter(bool)),
            st.tuples(st.just("damage"), place, units),
            st.tuples(st.just("reserve"), place, units),
            st.tuples(st.just("commit"), st.integers(0, 5), st.just(0)),
            st.tuples(st.just("release"), st.integers(0, 5), st.just(0)),
            st.tuples(st.just("transfer"), place, units),
            st.tuples(st.just("return"), place, units),
        ),
        st.booleans(),  # sent again under the same key
    ),
    min_size=1,
    max_size=10,
)

_places: dict[int, list[str]] = {}


async def places(stub) -> list[str]:
    """The test's locations, made once per service (hypothesis reuses the fixture's stub)."""
    if id(stub) not in _places:
        _places[id(stub)] = [await add_location(stub, f"P-{n}") for n in range(PLACES)]
    return _places[id(stub)]


class Client:
    """Sends each change under a fresh key, and again under the same key when told to."""

    def __init__(self, repeat: bool) -> None:
        self.repeat = repeat

    async def __call__(self, method, request):
        metadata = call_metadata(new_id("key"), "property")
        first = await method(request, metadata=metadata)
        if self.repeat:
            assert await method(request, metadata=metadata) == first
        return first


async def apply(stub, sku: str, operation: tuple, reservations: list[str]) -> None:
    (kind, where, amount), repeat = operation
    send = Client(repeat)
    locations = await places(stub)
    location = locations[where] if kind not in ("commit", "release") else ""
    if kind == "receive":
        await send(
            stub.ReceiveStock,
            inventory_pb2.ReceiveStockRequest(
                location_id=location, lines=[inventory_pb2.StockQuantity(sku=sku, quantity=amount)]
            ),
        )
    elif kind in ("adjust", "damage"):
        reason = inventory_pb2.ADJUSTMENT_REASON_COUNT_CORRECTION
        if kind == "damage":
            reason, amount = inventory_pb2.ADJUSTMENT_REASON_DAMAGED, -amount
        await send(
            stub.AdjustStock,
            inventory_pb2.AdjustStockRequest(
                sku=sku, location_id=location, quantity_delta=amount, reason=reason
            ),
        )
    elif kind == "reserve":
        reservation_id = new_id("res")
        await send(
            stub.ReserveStock,
            inventory_pb2.ReserveStockRequest(
                reservation_id=reservation_id,
                kind=inventory_pb2.RESERVATION_KIND_ORDER,
                lines=[inventory_pb2.StockQuantity(sku=sku, quantity=amount, location_id=location)],
            ),
        )
        reservations.append(reservation_id)
    elif kind in ("commit", "release") and reservations:
        reservation_id = reservations[where % len(reservations)]
        if kind == "commit":
            await send(
                stub.CommitReservation,
                inventory_pb2.CommitReservationRequest(reservation_id=reservation_id),
            )
        else:
            await send(
                stub.ReleaseReservation,
                inventory_pb2.ReleaseReservationRequest(reservation_id=reservation_id),
            )
    elif kind == "transfer":
        target = locations[(where + 1) % PLACES]
        transfer = await send(
            stub.CreateTransfer,
            inventory_pb2.CreateTransferRequest(
                from_location_id=location,
                to_location_id=target,
                lines=[inventory_pb2.StockQuantity(sku=sku, quantity=amount)],
            ),
        )
        await send(
            stub.ShipTransfer, inventory_pb2.ShipTransferRequest(transfer_id=transfer.transfer.id)
        )
        await send(
            stub.ReceiveTransfer,
            inventory_pb2.ReceiveTransferRequest(transfer_id=transfer.transfer.id),
        )
    elif kind == "return":
        condition = (
            common_pb2.ITEM_CONDITION_DAMAGED if amount % 2 else common_pb2.ITEM_CONDITION_SELLABLE
        )
        await send(
            stub.ReturnToStock,
            inventory_pb2.ReturnToStockRequest(
                location_id=location,
                lines=[inventory_pb2.ReturnLine(sku=sku, quantity=amount, condition=condition)],
            ),
        )


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=operations)
async def test_on_hand_always_equals_the_ledger_sum(stub, sequence):
    sku = f"PROP-{new_id()[:10]}"
    # The SKU exists everywhere from the start, so no operation is refused for an unknown SKU.
    for location in await places(stub):
        await stub.ReceiveStock(
            inventory_pb2.ReceiveStockRequest(
                location_id=location, lines=[inventory_pb2.StockQuantity(sku=sku, quantity=3)]
            )
        )
    reservations: list[str] = []
    for operation in sequence:
        outcome = grpc.StatusCode.OK
        try:
            await apply(stub, sku, operation, reservations)
        except grpc.aio.AioRpcError as refused:
            outcome = error_details(refused).code
        # Only business refusals are expected (not enough stock, a settled reservation).
        assert outcome in (grpc.StatusCode.OK, grpc.StatusCode.FAILED_PRECONDITION), operation

    ledger = await stub.ListLedgerEntries(
        inventory_pb2.ListLedgerEntriesRequest(sku=sku, page_size=200)
    )
    levels = await stub.ListStockLevels(inventory_pb2.ListStockLevelsRequest(skus=[sku]))
    held: dict[str, int] = {}
    for reservation_id in reservations:
        reservation = (
            await stub.GetReservation(
                inventory_pb2.GetReservationRequest(reservation_id=reservation_id)
            )
        ).reservation
        for line in reservation.lines:
            remaining = line.quantity - line.committed_quantity - line.released_quantity
            held[line.location_id] = held.get(line.location_id, 0) + remaining
    assert len(levels.stock_levels) == PLACES
    for level in levels.stock_levels:
        entries = [e for e in ledger.entries if e.location_id == level.location_id]
        assert level.on_hand == sum(e.quantity_delta for e in entries)
        assert level.damaged == sum(e.damaged_delta for e in entries)
        assert entries[-1].on_hand_after == level.on_hand
        assert level.reserved == held.get(level.location_id, 0)
        assert 0 <= level.reserved <= level.on_hand
        assert level.available == max(0, level.on_hand - level.reserved - level.safety_stock)
