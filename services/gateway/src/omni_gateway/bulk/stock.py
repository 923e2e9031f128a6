"""Stock levels from rows: a row states how many units are on hand at a location; the
difference from what inventory holds is received (ReceiveStock, one call per location and group
of rows, which also makes a SKU's first record there) or taken off as a count correction
(AdjustStock). A level already right is left alone, so an import applied twice changes nothing.

The levels are read before the rows are applied, so a row that would take on-hand below the
units reserved there is refused before anything of it is written.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from omni.inventory.v1 import inventory_pb2
from omni_gateway.bulk.calls import BulkCalls, at_most
from omni_gateway.bulk.catalog import CALLER
from omni_gateway.bulk.rows import ProductRow, RowError
from omni_kit.idempotency import call_metadata

Levels = dict[tuple[str, str], inventory_pb2.StockLevel]
# Rows per receipt: one receipt is one transaction in inventory, which a store under load must
# finish within inventory's own deadline; its levels, ledger entries and events are written in
# bulk, so its store round trips do not grow with its lines (its documents still do).
# Receipts go one at a time: side by side they only contend for the one store, and conflict.
RECEIPT_LINES = 50
# The inventory reads up to 24 SKUs of a stock list as one small index branch each (more are one
# walk of every location's stock, checked row by row).
SKUS_PER_READ = 24
# Reads of levels at once.
PARALLEL_READS = 4


async def locations(downstream: BulkCalls) -> dict[str, str]:
    """Every location's id by its code (closed ones too: their stock is still counted)."""
    found: dict[str, str] = {}
    ask = inventory_pb2.ListStockLocationsRequest(page_size=200, include_inactive=True)
    async for reply in downstream.pages(downstream.inventory.ListStockLocations, ask):
        found |= {location.code: location.id for location in reply.locations}
    return found


async def levels(downstream: BulkCalls, skus: Sequence[str], location_ids: Sequence[str]) -> Levels:
    """The stock records of these SKUs at these locations."""
    found: Levels = {}

    async def read(start: int) -> None:
        ask = inventory_pb2.ListStockLevelsRequest(
            skus=skus[start : start + SKUS_PER_READ], location_ids=location_ids, page_size=200
        )
        async for reply in downstream.pages(downstream.inventory.ListStockLevels, ask):
            found.update({(x.sku, x.location_id): x for x in reply.stock_levels})

    await at_most(PARALLEL_READS, (read(start) for start in range(0, len(skus), SKUS_PER_READ)))
    return found


def check_reserved(row: ProductRow, ids: dict[str, str], held: Levels, opening: bool) -> None:
    for code, quantity in row.stock.items():
        level = held.get((row.sku, ids[code]))
        if level is not None and quantity < level.reserved and not opening:
            raise RowError(
                f"stock.{code}",
                f"{level.reserved} units are reserved there; on hand cannot be {quantity}",
            )


async def apply(
    downstream: BulkCalls,
    job_id: str,
    rows: Sequence[tuple[int, ProductRow]],
    ids: dict[str, str],
    held: Levels,
    opening: bool,
) -> set[str]:
    """Bring the rows' levels to what they state (with `opening`, only where the SKU has no
    stock record yet: opening stock, which sales since do not undo); the SKUs whose stock
    changed.

    The rows are received in fixed groups of RECEIPT_LINES rows, one receipt per group and
    location, keyed by the group's first line and size: a chunk applied again after some of its
    receipts went through finds those groups' levels right (nothing to receive) and sends the
    others exactly as before, under the same keys."""
    changed: set[str] = set()
    receipts: list[tuple[inventory_pb2.ReceiveStockRequest, str]] = []
    for first in range(0, len(rows), RECEIPT_LINES):
        group = rows[first : first + RECEIPT_LINES]
        received: dict[str, list[inventory_pb2.StockQuantity]] = defaultdict(list)
        for line, row in group:
            for code, quantity in row.stock.items():
                location_id = ids[code]
                level = held.get((row.sku, location_id))
                if opening and level is not None:
                    continue
                delta = quantity - (level.on_hand if level else 0)
                if delta > 0:
                    received[location_id].append(
                        inventory_pb2.StockQuantity(sku=row.sku, quantity=delta)
                    )
                elif delta < 0:
                    await downstream.call(
                        downstream.inventory.AdjustStock,
                        inventory_pb2.AdjustStockRequest(
                            sku=row.sku,
                            location_id=location_id,
                            quantity_delta=delta,
                            reason=inventory_pb2.ADJUSTMENT_REASON_COUNT_CORRECTION,
                            note=f"import {job_id}, line {line}",
                        ),
                        idempotent=True,
                        metadata=call_metadata(f"import-{job_id}-{line}-{code}", CALLER),
                    )
                if delta:
                    changed.add(row.sku)
        for location_id, lines in received.items():
            key = f"import-{job_id}-{group[0][0]}+{RECEIPT_LINES}-{location_id}"
            receipt = inventory_pb2.ReceiveStockRequest(
                location_id=location_id, lines=lines, reference=f"import {job_id}"
            )
            receipts.append((receipt, key))
    for request, key in receipts:
        await downstream.call(
            downstream.inventory.ReceiveStock,
            request,
            idempotent=True,
            metadata=call_metadata(key, CALLER),
        )
    return changed
