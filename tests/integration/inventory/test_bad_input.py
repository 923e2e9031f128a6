"""Bad input is refused with a precise status and field, writes nothing and publishes nothing."""

from __future__ import annotations

import grpc
import pytest
from inventory_helpers import add_location, receive, snapshot

from omni.inventory.v1 import inventory_pb2
from omni_kit.errors import error_details

INVALID = grpc.StatusCode.INVALID_ARGUMENT
NOT_FOUND = grpc.StatusCode.NOT_FOUND
PRECONDITION = grpc.StatusCode.FAILED_PRECONDITION


def line(sku: str, quantity: int, location_id: str = "") -> inventory_pb2.StockQuantity:
    return inventory_pb2.StockQuantity(sku=sku, quantity=quantity, location_id=location_id)


async def test_bad_requests_are_refused_precisely_and_leave_no_trace(stub, mongo, db_name):
    berlin = await add_location(stub, "BER-01")
    hamburg = await add_location(stub, "HAM-01")
    await receive(stub, berlin, "TEE", 5)
    await stub.ReserveStock(
        inventory_pb2.ReserveStockRequest(
            reservation_id="done",
            kind=inventory_pb2.RESERVATION_KIND_ORDER,
            lines=[line("TEE", 1)],
        )
    )
    await stub.CommitReservation(inventory_pb2.CommitReservationRequest(reservation_id="done"))
    order = inventory_pb2.RESERVATION_KIND_ORDER

    cases = [
        (
            stub.ReserveStock,
            inventory_pb2.ReserveStockRequest(
                reservation_id="r", kind=order, lines=[line("TEE", 0)]
            ),
            INVALID,
            "lines[0].quantity",
        ),
        (
            stub.ReserveStock,
            inventory_pb2.ReserveStockRequest(
                reservation_id="r", kind=order, lines=[line("TEE", -2)]
            ),
            INVALID,
            "lines[0].quantity",
        ),
        (
            stub.ReserveStock,
            inventory_pb2.ReserveStockRequest(
                reservation_id="r", kind=order, lines=[line("TEE", 1), line("GHOST", 1)]
            ),
            NOT_FOUND,
            "lines[1].sku",
        ),
        (
            stub.ReserveStock,
            inventory_pb2.ReserveStockRequest(
                reservation_id="r", kind=order, lines=[line("TEE", 1, "loc_nowhere")]
            ),
            NOT_FOUND,
            "lines[0].location_id",
        ),
        (
            stub.ReserveStock,
            inventory_pb2.ReserveStockRequest(reservation_id="r", lines=[line("TEE", 1)]),
            INVALID,
            "kind",
        ),
        (
            stub.ReceiveStock,
            inventory_pb2.ReceiveStockRequest(location_id=berlin, lines=[line("TEE", -1)]),
            INVALID,
            "lines[0].quantity",
        ),
        (
            stub.ReceiveStock,
            inventory_pb2.ReceiveStockRequest(location_id="loc_nowhere", lines=[line("TEE", 1)]),
            NOT_FOUND,
            "location_id",
        ),
        (
            stub.AdjustStock,
            inventory_pb2.AdjustStockRequest(
                sku="TEE",
                location_id=berlin,
                quantity_delta=0,
                reason=inventory_pb2.ADJUSTMENT_REASON_LOST,
            ),
            INVALID,
            "quantity_delta",
        ),
        (
            stub.AdjustStock,
            inventory_pb2.AdjustStockRequest(sku="TEE", location_id=berlin, quantity_delta=-1),
            INVALID,
            "reason",
        ),
        (
            stub.AdjustStock,
            inventory_pb2.AdjustStockRequest(
                sku="GHOST",
                location_id=berlin,
                quantity_delta=-1,
                reason=inventory_pb2.ADJUSTMENT_REASON_LOST,
            ),
            NOT_FOUND,
            "sku",
        ),
        (
            stub.AdjustStock,
            inventory_pb2.AdjustStockRequest(
                sku="TEE",
                location_id=berlin,
                quantity_delta=-50,
                reason=inventory_pb2.ADJUSTMENT_REASON_LOST,
            ),
            PRECONDITION,
            "quantity_delta",
        ),
        (
            stub.CreateTransfer,
            inventory_pb2.CreateTransferRequest(
                from_location_id=berlin, to_location_id=berlin, lines=[line("TEE", 1)]
            ),
            INVALID,
            "to_location_id",
        ),
        (
            stub.CreateTransfer,
            inventory_pb2.CreateTransferRequest(
                from_location_id=berlin, to_location_id=hamburg, lines=[line("GHOST", 1)]
            ),
            NOT_FOUND,
            "lines[0].sku",
        ),
        (
            stub.CreateTransfer,
            inventory_pb2.CreateTransferRequest(
                from_location_id=berlin, to_location_id="loc_nowhere", lines=[line("TEE", 1)]
            ),
            NOT_FOUND,
            "to_location_id",
        ),
        (
            stub.ReleaseReservation,
            inventory_pb2.ReleaseReservationRequest(reservation_id="done"),
            PRECONDITION,
            "reservation_id",
        ),
        (
            stub.ReleaseReservation,
            inventory_pb2.ReleaseReservationRequest(reservation_id="nope"),
            NOT_FOUND,
            "reservation_id",
        ),
        (
            stub.ListStockLevels,
            inventory_pb2.ListStockLevelsRequest(skus=["TEE"], page_size=-1),
            INVALID,
            "page_size",
        ),
        (
            stub.ListStockLevels,
            inventory_pb2.ListStockLevelsRequest(skus=["TEE"], page_token="garbage"),
            INVALID,
            "page_token",
        ),
    ]
    db = mongo[f"{db_name}_inventory"]
    before = await snapshot(db)
    for method, request, code, field in cases:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await method(request)
        details = error_details(refused.value)
        assert (details.code, details.field) == (code, field), (request, details)
        assert details.message
    assert await snapshot(db) == before
