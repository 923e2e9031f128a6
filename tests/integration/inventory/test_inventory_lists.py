"""The inventory's lists, written through the API (which keeps the floors the oldest-first ones
start at) and paged through with small pages: each equals the one sorted query it stands for,
and a page token from before the windows is refused by name."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from inventory_helpers import add_location

from omni.common.v1 import common_pb2
from omni.inventory.v1 import inventory_pb2 as I
from omni_kit import paging
from omni_kit.errors import error_details
from omni_kit.protos import to_timestamp

NOW = datetime.now(UTC)
SKUS = [f"SKU-{n:03d}" for n in range(0, 40)] + ["A", "A-1", "ZZ-9", "b-lower", "~tilde"]
MARKETPLACE = common_pb2.ChannelRef(channel=common_pb2.SALES_CHANNEL_WEB)


async def every(call, request, items: str) -> list:
    found, seen = [], 0
    while True:
        reply = await call(request)
        found += list(getattr(reply, items))
        seen += 1
        assert seen < 200, "the token never ran out"
        if not reply.next_page_token:
            return found
        request.page_token = reply.next_page_token


def order(documents, key, *, descending=False):
    return [
        d["_id"] for d in sorted(documents, key=lambda d: (key(d), d["_id"]), reverse=descending)
    ]


@pytest.fixture
async def shop(stub, mongo, db_name):
    rng = random.Random(5)
    berlin = await add_location(stub, "BER-01")
    hamburg = await add_location(stub, "HAM-01")
    shuffled = rng.sample(SKUS, len(SKUS))
    for start in range(0, len(shuffled), 9):
        await stub.ReceiveStock(
            I.ReceiveStockRequest(
                location_id=berlin,
                lines=[
                    I.StockQuantity(sku=s, quantity=rng.randrange(5, 9))
                    for s in shuffled[start : start + 9]
                ],
                reference="PO-1",
            )
        )
    for sku in rng.sample(SKUS, 12):  # levels at zero: the non-zero filter leaves them out
        await stub.SetSafetyStock(
            I.SetSafetyStockRequest(sku=sku, location_id=hamburg, safety_stock=0)
        )
    await stub.ReceiveStock(
        I.ReceiveStockRequest(
            location_id=hamburg, lines=[I.StockQuantity(sku="SKU-007", quantity=3)]
        )
    )
    for n in range(14):
        await stub.RecordInbound(
            I.RecordInboundRequest(
                inbound=I.InboundStock(
                    sku=rng.choice(SKUS),
                    location_id=hamburg,
                    quantity=2,
                    expected_at=to_timestamp(NOW + timedelta(hours=rng.randrange(-500, 3000))),
                    source_ref=f"PO-{n}",
                )
            )
        )
    for n in range(9):
        transfer = (
            await stub.CreateTransfer(
                I.CreateTransferRequest(
                    from_location_id=berlin,
                    to_location_id=hamburg,
                    lines=[I.StockQuantity(sku=SKUS[n], quantity=1)],
                    # Without an expected time, the delivery it announces has none either.
                    expected_at=to_timestamp(NOW + timedelta(days=n)) if n % 3 else None,
                )
            )
        ).transfer
        if n % 2:
            await stub.ShipTransfer(I.ShipTransferRequest(transfer_id=transfer.id))
    for n in range(11):
        await stub.ReserveStock(
            I.ReserveStockRequest(
                reservation_id=f"res-{n}",
                kind=I.RESERVATION_KIND_ORDER,
                lines=[I.StockQuantity(sku=SKUS[n], quantity=1)],
                owner=I.ReservationOwner(
                    order_id=f"ord_{n}", customer_id="cus_7" if n % 2 else "cus_8"
                ),
            )
        )
    return stub, mongo[f"{db_name}_inventory"], berlin, hamburg


async def test_oldest_first_lists_walk_up_from_their_floors(shop):
    stub, db, berlin, hamburg = shop
    levels = await db["stock"].find({"location_id": berlin}).to_list(None)
    got = await every(
        stub.ListStockLevels,
        I.ListStockLevelsRequest(location_ids=[berlin], page_size=4),
        "stock_levels",
    )
    assert [f"{s.sku}@{s.location_id}" for s in got] == order(levels, lambda d: d["sku"].encode())

    # More SKUs than one request reads branch by branch (the bulk export's read): one walk of
    # every location's stock by SKU, the SKUs checked on the rows.
    many = sorted({d["sku"] for d in await db["stock"].find({}).to_list(None)})[:30]
    levels = await db["stock"].find({"sku": {"$in": many}}).to_list(None)
    got = await every(
        stub.ListStockLevels, I.ListStockLevelsRequest(skus=many, page_size=7), "stock_levels"
    )
    assert [f"{s.sku}@{s.location_id}" for s in got] == order(levels, lambda d: d["sku"].encode())

    levels = await db["stock"].find({"location_id": hamburg}).to_list(None)
    moving = [
        d for d in levels if any(d.get(f) for f in ("on_hand", "reserved", "damaged", "inbound"))
    ]
    assert 0 < len(moving) < len(levels)
    got = await every(
        stub.ListStockLevels,
        I.ListStockLevelsRequest(location_ids=[hamburg], non_zero_only=True, page_size=2),
        "stock_levels",
    )
    assert [f"{s.sku}@{s.location_id}" for s in got] == order(moving, lambda d: d["sku"].encode())

    entries = await db["ledger"].find({"location_id": berlin}).to_list(None)
    got = await every(
        stub.ListLedgerEntries,
        I.ListLedgerEntriesRequest(location_id=berlin, page_size=5),
        "entries",
    )
    assert [e.id for e in got] == order(entries, lambda d: d["seq"])

    inbound = await db["inbound"].find({"location_id": hamburg}).to_list(None)
    undated = [d for d in inbound if d.get("expected_at") is None]
    assert undated and len(undated) < len(inbound)
    got = await every(
        stub.ListInbound, I.ListInboundRequest(location_id=hamburg, page_size=3), "inbound"
    )
    assert [i.id for i in got] == order(undated, lambda d: 0) + order(
        [d for d in inbound if d.get("expected_at") is not None], lambda d: d["expected_at"]
    )
    expected = [d for d in inbound if d["status"] == "INBOUND_STATUS_EXPECTED"]
    got = await every(
        stub.ListInbound,
        I.ListInboundRequest(statuses=[I.INBOUND_STATUS_EXPECTED], page_size=4),
        "inbound",
    )
    assert [i.id for i in got] == order(
        [d for d in expected if d.get("expected_at") is None], lambda d: 0
    ) + order([d for d in expected if d.get("expected_at") is not None], lambda d: d["expected_at"])


async def test_newest_first_lists_walk_back_from_now(shop):
    stub, db, berlin, hamburg = shop
    transfers = await db["transfers"].find({}).to_list(None)
    got = await every(
        stub.ListTransfers, I.ListTransfersRequest(location_id=hamburg, page_size=2), "transfers"
    )
    assert [t.id for t in got] == order(transfers, lambda d: d["created_at"], descending=True)
    shipped = [d for d in transfers if d["status"] == "TRANSFER_STATUS_IN_TRANSIT"]
    got = await every(
        stub.ListTransfers,
        I.ListTransfersRequest(
            location_id=berlin, statuses=[I.TRANSFER_STATUS_IN_TRANSIT], page_size=2
        ),
        "transfers",
    )
    assert [t.id for t in got] == order(shipped, lambda d: d["created_at"], descending=True)

    holds = await db["reservations"].find({"owner.customer_id": "cus_7"}).to_list(None)
    got = await every(
        stub.ListReservations,
        I.ListReservationsRequest(customer_id="cus_7", page_size=2),
        "reservations",
    )
    assert [r.id for r in got] == order(holds, lambda d: d["created_at"], descending=True)
    everything = await db["reservations"].find({}).to_list(None)
    got = await every(stub.ListReservations, I.ListReservationsRequest(page_size=3), "reservations")
    assert [r.id for r in got] == order(everything, lambda d: d["created_at"], descending=True)


async def test_the_stock_feed_names_each_sku_once_at_its_latest_change(shop):
    stub, db, _, _ = shop
    levels = await db["stock"].find({}).to_list(None)
    latest: dict[str, dict] = {}
    for level in levels:
        known = latest.get(level["sku"])
        if known is None or (level["updated_at"], level["_id"]) > (
            known["updated_at"],
            known["_id"],
        ):
            latest[level["sku"]] = level
    want = [d["sku"] for d in sorted(latest.values(), key=lambda d: (d["updated_at"], d["_id"]))]
    got = await every(
        stub.ListStockFeed, I.ListStockFeedRequest(channel=MARKETPLACE, page_size=4), "items"
    )
    assert [item.sku for item in got] == want
    seven = next(item for item in got if item.sku == "SKU-007")
    assert seven.available == sum(d["available"] for d in levels if d["sku"] == "SKU-007")

    since = sorted(d["updated_at"] for d in latest.values())[len(latest) // 2]
    got = await every(
        stub.ListStockFeed,
        I.ListStockFeedRequest(channel=MARKETPLACE, updated_since=to_timestamp(since), page_size=3),
        "items",
    )
    assert [item.sku for item in got] == [
        d["sku"]
        for d in sorted(latest.values(), key=lambda d: (d["updated_at"], d["_id"]))
        if d["updated_at"] >= since
    ]


async def test_a_page_token_from_before_the_windows_or_another_filter_is_refused(shop):
    stub, _, berlin, hamburg = shop
    old_stock = paging.encode_cursor(["SKU-003", f"SKU-003@{berlin}"])
    old_feed = paging.encode_cursor([1_700_000_000_000, "SKU-003"])
    first = await stub.ListLedgerEntries(
        I.ListLedgerEntriesRequest(location_id=berlin, page_size=2)
    )
    cases = [
        (
            stub.ListStockLevels,
            I.ListStockLevelsRequest(location_ids=[berlin], page_token=old_stock),
        ),
        (stub.ListStockFeed, I.ListStockFeedRequest(channel=MARKETPLACE, page_token=old_feed)),
        (stub.ListReservations, I.ListReservationsRequest(page_token=old_stock)),
        (
            stub.ListLedgerEntries,
            I.ListLedgerEntriesRequest(location_id=hamburg, page_token=first.next_page_token),
        ),
    ]
    for call, request in cases:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await call(request)
        details = error_details(refused.value)
        assert (details.code, details.field, details.reason) == (
            grpc.StatusCode.INVALID_ARGUMENT,
            "page_token",
            "INVALID_PAGE_TOKEN",
        ), request
