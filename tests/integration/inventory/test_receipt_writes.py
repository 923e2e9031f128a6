"""A receipt writes its levels, ledger entries and list floors in bulk: as many store operations
for forty lines as for four, with each line still in the ledger and each level guarded."""

from __future__ import annotations

from collections import Counter

from inventory_helpers import add_location, level, receive

from omni.common.v1 import common_pb2
from omni.inventory.v1 import inventory_pb2

WRITTEN = ("stock", "ledger", "floors")


async def operations(mongo, database: str) -> Counter[str]:
    """The store's own count of operations on each of the database's collections so far."""
    top = await mongo.admin.command("top")
    return Counter(
        {
            namespace.split(".", 1)[1]: sections["total"]["count"]
            for namespace, sections in top["totals"].items()
            if namespace.startswith(f"{database}.")
        }
    )


async def receipt_cost(stub, mongo, database, location_id, skus) -> Counter[str]:
    before = await operations(mongo, database)
    await stub.ReceiveStock(
        inventory_pb2.ReceiveStockRequest(
            location_id=location_id,
            lines=[inventory_pb2.StockQuantity(sku=sku, quantity=2) for sku in skus],
            reference="PO-9",
        )
    )
    after = await operations(mongo, database)
    return Counter({name: after[name] - before[name] for name in WRITTEN})


async def test_a_receipt_costs_the_same_store_operations_for_forty_lines_as_for_four(
    stub, mongo, db_name
):
    database = f"{db_name}_inventory"
    berlin = await add_location(stub, "BER-01")
    await receive(stub, berlin, "WARM-UP", 1)  # the location's first floors and policies
    # New SKUs (a first level each) and, the second time, the same SKUs again (levels updated).
    small = await receipt_cost(stub, mongo, database, berlin, [f"S-{n}" for n in range(4)])
    large = await receipt_cost(stub, mongo, database, berlin, [f"L-{n:02d}" for n in range(40)])
    assert large == small, (small, large)
    assert small["stock"] <= 3  # read the SKUs' levels, insert the new ones, read the answer
    again = await receipt_cost(stub, mongo, database, berlin, [f"L-{n:02d}" for n in range(40)])
    assert again["stock"] <= 4  # read, one guarded bulk update, read back, read the answer
    assert again["ledger"] == large["ledger"] == 1
    for n in (0, 17, 39):
        assert (await level(stub, f"L-{n:02d}", berlin)).on_hand == 4


async def test_a_sku_on_two_lines_of_a_receipt_moves_twice_and_is_written_once(stub):
    berlin = await add_location(stub, "BER-01")
    await receive(stub, berlin, "OLD", 5)
    reply = await stub.ReceiveStock(
        inventory_pb2.ReceiveStockRequest(
            location_id=berlin,
            lines=[
                inventory_pb2.StockQuantity(sku="NEW", quantity=2),
                inventory_pb2.StockQuantity(sku="OLD", quantity=1),
                inventory_pb2.StockQuantity(sku="NEW", quantity=3),
                inventory_pb2.StockQuantity(sku="OLD", quantity=4),
            ],
            reference="PO-10",
        )
    )
    levels = {x.sku: x for x in reply.stock_levels}
    assert (levels["NEW"].on_hand, levels["NEW"].version) == (5, 1)
    assert (levels["OLD"].on_hand, levels["OLD"].version) == (10, 2)
    for sku, deltas, after in (("NEW", [2, 3], [2, 5]), ("OLD", [5, 1, 4], [5, 6, 10])):
        ledger = await stub.ListLedgerEntries(
            inventory_pb2.ListLedgerEntriesRequest(sku=sku, location_id=berlin)
        )
        assert [e.quantity_delta for e in ledger.entries] == deltas
        assert [e.on_hand_after for e in ledger.entries] == after


async def test_returns_are_written_in_bulk_too(stub):
    berlin = await add_location(stub, "BER-01")
    await receive(stub, berlin, "BAG", 2)
    reply = await stub.ReturnToStock(
        inventory_pb2.ReturnToStockRequest(
            location_id=berlin,
            return_id="ret_1",
            lines=[
                inventory_pb2.ReturnLine(
                    sku="BAG", quantity=1, condition=common_pb2.ITEM_CONDITION_SELLABLE
                ),
                inventory_pb2.ReturnLine(
                    sku="BAG", quantity=1, condition=common_pb2.ITEM_CONDITION_DAMAGED
                ),
                inventory_pb2.ReturnLine(
                    sku="HAT", quantity=1, condition=common_pb2.ITEM_CONDITION_SELLABLE
                ),
            ],
        )
    )
    levels = {x.sku: (x.on_hand, x.damaged) for x in reply.stock_levels}
    assert levels == {"BAG": (3, 1), "HAT": (1, 0)}
