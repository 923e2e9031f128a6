"""Stock levels and movements over real gRPC: receipts, adjustments, transfers, returns, inbound."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from inventory_helpers import add_location, level, receive

from omni.common.v1 import common_pb2
from omni.inventory.v1 import inventory_pb2
from omni_kit.idempotency import call_metadata, was_replayed
from omni_kit.protos import to_timestamp


async def test_receipt_adjustment_transfer_and_return_move_stock_with_a_ledger(stub):
    berlin = await add_location(stub, "BER-01")
    hamburg = await add_location(stub, "HAM-01", lat=53.55, lng=9.99)
    await receive(stub, berlin, "TEE-M", 10)
    await stub.SetSafetyStock(
        inventory_pb2.SetSafetyStockRequest(sku="TEE-M", location_id=berlin, safety_stock=2)
    )
    adjusted = await stub.AdjustStock(
        inventory_pb2.AdjustStockRequest(
            sku="TEE-M",
            location_id=berlin,
            quantity_delta=-1,
            reason=inventory_pb2.ADJUSTMENT_REASON_DAMAGED,
            note="torn",
        )
    )
    assert (adjusted.stock_level.on_hand, adjusted.stock_level.damaged) == (9, 1)
    assert adjusted.stock_level.available == 7
    assert adjusted.entry.kind == inventory_pb2.MOVEMENT_KIND_DAMAGE

    expected = datetime.now(UTC) + timedelta(days=2)
    transfer = (
        await stub.CreateTransfer(
            inventory_pb2.CreateTransferRequest(
                from_location_id=berlin,
                to_location_id=hamburg,
                lines=[inventory_pb2.StockQuantity(sku="TEE-M", quantity=4)],
                expected_at=to_timestamp(expected),
            )
        )
    ).transfer
    await stub.ShipTransfer(inventory_pb2.ShipTransferRequest(transfer_id=transfer.id))
    in_transit = await level(stub, "TEE-M", hamburg)
    assert (in_transit.on_hand, in_transit.inbound) == (0, 4)
    assert in_transit.next_inbound_at.ToDatetime(tzinfo=UTC) == expected.replace(
        microsecond=expected.microsecond // 1000 * 1000
    )
    assert (await level(stub, "TEE-M", berlin)).on_hand == 5
    received = await stub.ReceiveTransfer(
        inventory_pb2.ReceiveTransferRequest(transfer_id=transfer.id)
    )
    assert received.transfer.status == inventory_pb2.TRANSFER_STATUS_RECEIVED
    arrived = await level(stub, "TEE-M", hamburg)
    assert (arrived.on_hand, arrived.inbound) == (4, 0)

    await stub.ReturnToStock(
        inventory_pb2.ReturnToStockRequest(
            location_id=hamburg,
            return_id="ret-1",
            lines=[
                inventory_pb2.ReturnLine(
                    sku="TEE-M", quantity=1, condition=common_pb2.ITEM_CONDITION_SELLABLE
                )
            ],
        )
    )
    assert (await level(stub, "TEE-M", hamburg)).on_hand == 5

    ledger = await stub.ListLedgerEntries(inventory_pb2.ListLedgerEntriesRequest(sku="TEE-M"))
    kinds = [entry.kind for entry in ledger.entries]
    assert kinds == [
        inventory_pb2.MOVEMENT_KIND_RECEIPT,
        inventory_pb2.MOVEMENT_KIND_DAMAGE,
        inventory_pb2.MOVEMENT_KIND_TRANSFER_OUT,
        inventory_pb2.MOVEMENT_KIND_TRANSFER_IN,
        inventory_pb2.MOVEMENT_KIND_RETURN,
    ]
    for location_id in (berlin, hamburg):
        entries = [e for e in ledger.entries if e.location_id == location_id]
        assert (
            sum(e.quantity_delta for e in entries)
            == (await level(stub, "TEE-M", location_id)).on_hand
        )


async def test_a_receipt_repeated_with_its_idempotency_key_counts_once(stub):
    berlin = await add_location(stub, "BER-01")
    request = inventory_pb2.ReceiveStockRequest(
        location_id=berlin,
        lines=[inventory_pb2.StockQuantity(sku="CAP", quantity=3)],
    )
    first = await stub.ReceiveStock(request, metadata=call_metadata("delivery-7", "test"))
    call = stub.ReceiveStock(request, metadata=call_metadata("delivery-7", "test"))
    again = await call
    assert first == again
    assert was_replayed(await call.trailing_metadata())
    assert (await level(stub, "CAP", berlin)).on_hand == 3
    ledger = await stub.ListLedgerEntries(inventory_pb2.ListLedgerEntriesRequest(sku="CAP"))
    assert [entry.request_id for entry in ledger.entries] == ["delivery-7"]


async def test_inbound_stock_carries_its_expected_date_until_received(stub):
    berlin = await add_location(stub, "BER-01")
    when = datetime(2030, 1, 15, tzinfo=UTC)
    inbound = (
        await stub.RecordInbound(
            inventory_pb2.RecordInboundRequest(
                inbound=inventory_pb2.InboundStock(
                    sku="BOOT-42",
                    location_id=berlin,
                    quantity=12,
                    expected_at=to_timestamp(when),
                    source_ref="PO-991",
                )
            )
        )
    ).inbound
    waiting = await level(stub, "BOOT-42", berlin)
    assert (waiting.on_hand, waiting.inbound) == (0, 12)
    assert waiting.next_inbound_at.ToDatetime(tzinfo=UTC) == when
    await stub.ReceiveStock(
        inventory_pb2.ReceiveStockRequest(
            location_id=berlin,
            lines=[inventory_pb2.StockQuantity(sku="BOOT-42", quantity=12)],
            inbound_ids=[inbound.id],
        )
    )
    done = await level(stub, "BOOT-42", berlin)
    assert (done.on_hand, done.inbound, done.HasField("next_inbound_at")) == (12, 0, False)
