"""`omni export orders|sales`: the staff API's exports for BI tools (omni_gateway.sales_exports,
the same code) run here against the order and inventory services, written to a file or stdout as
the rows come."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import IO, Any

from omni.inventory.v1 import inventory_pb2_grpc
from omni.order.v1 import order_pb2_grpc
from omni_gateway import sales_exports
from omni_kit.app import channel
from omni_ops import targets

TIMEOUT = 30.0


class ServiceChannels:
    """The services an export calls, from this pod's environment (omni_ops.targets)."""

    def __init__(self) -> None:
        self.channels = {
            name: channel(targets.grpc_address(name), default_timeout=TIMEOUT)
            for name in ("order", "inventory")
        }
        self.order = order_pb2_grpc.OrderServiceStub(self.channels["order"])
        self.inventory = inventory_pb2_grpc.InventoryServiceStub(self.channels["inventory"])

    async def call(self, method: Callable[..., Any], request: Any, *, idempotent: bool) -> Any:
        return await method(request, timeout=TIMEOUT)

    async def close(self) -> None:
        await asyncio.gather(*(ch.close() for ch in self.channels.values()))


async def write(
    what: str,
    span: sales_exports.ExportRange,
    fmt: sales_exports.Format,
    out: IO[bytes],
    store_ids: tuple[str, ...] = (),
) -> int:
    """Export `what` ("orders" or "sales") into `out`; returns the number of rows."""
    services = ServiceChannels()
    try:
        chunks: AsyncIterator[bytes]
        if what == "orders":
            rows = sales_exports.order_lines(services, span, store_ids)
            chunks = await sales_exports.encoded(rows, sales_exports.ORDER_COLUMNS, fmt)
        else:
            days = sales_exports.sales_days(services, span)
            chunks = await sales_exports.encoded(days, sales_exports.SALES_COLUMNS, fmt)
        written = 0
        async for chunk in chunks:
            out.write(chunk)
            written += 1
        out.flush()
        return written - 1 if fmt == "csv" else written
    finally:
        await services.close()
