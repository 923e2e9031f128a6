"""An import chunk's stock, applied again after some of its receipts went through: the groups
already received send nothing, the others are sent exactly as the first time, under the same
idempotency keys (a key reused for another payload is refused by the service)."""

from __future__ import annotations

import asyncio
from typing import Any

from omni.inventory.v1 import inventory_pb2
from omni_gateway.bulk import stock
from omni_gateway.bulk.rows import ProductRow


class Inventory:
    def ReceiveStock(self, request: Any) -> Any: ...

    def AdjustStock(self, request: Any) -> Any: ...


class Recorder:
    """The one call the bulk work makes, recorded instead of sent."""

    def __init__(self) -> None:
        self.inventory = Inventory()
        self.sent: list[tuple[str, bytes]] = []

    async def call(self, method: Any, request: Any, *, idempotent: bool, metadata: Any) -> Any:
        key = dict(metadata)["omni-idempotency-key"]
        self.sent.append((key, request.SerializeToString(deterministic=True)))


def rows(count: int) -> list[tuple[int, ProductRow]]:
    return [
        (line, ProductRow(slug=f"p{line}", sku=f"SKU-{line}", name="p", stock={"A": 5, "B": 2}))
        for line in range(2, count + 2)
    ]


def test_a_chunk_applied_again_sends_what_is_left_under_the_same_keys() -> None:
    chunk = rows(3 * stock.RECEIPT_LINES)
    ids = {"A": "loc_a", "B": "loc_b"}
    first = Recorder()
    asyncio.run(stock.apply(first, "job", chunk, ids, {}, opening=False))  # type: ignore[arg-type]
    assert len(first.sent) == 6  # three groups, two locations each
    assert len({key for key, _ in first.sent}) == 6

    # The first group's two receipts went through before the chunk broke off.
    held = {
        (row.sku, ids[code]): inventory_pb2.StockLevel(on_hand=quantity)
        for _, row in chunk[: stock.RECEIPT_LINES]
        for code, quantity in row.stock.items()
    }
    again = Recorder()
    asyncio.run(stock.apply(again, "job", chunk, ids, held, opening=False))  # type: ignore[arg-type]
    assert again.sent == first.sent[2:]
