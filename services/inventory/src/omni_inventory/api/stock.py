"""Stock levels and the movements that change on hand: receipts, adjustments, returns, inbound."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from google.protobuf import timestamp_pb2
from grpc import aio

from omni.common.v1 import common_pb2
from omni.inventory.v1 import inventory_pb2
from omni_inventory.api.base import Base, Work, no_checks
from omni_inventory.domain.levels import Level
from omni_inventory.domain.requests import lines, page_size, positive, require
from omni_inventory.store import inbound as inbound_store
from omni_inventory.store import level_id, listing
from omni_inventory.store.changes import StockChanges, level_message
from omni_kit.errors import FailedPrecondition, InvalidArgument, NotFound
from omni_kit.ids import new_id, utcnow
from omni_kit.protos import from_document, from_timestamp, to_timestamp

DAMAGED = inventory_pb2.ADJUSTMENT_REASON_DAMAGED
# How far a ledger entry's sequence may run ahead of its `occurred_at` (a process keeps its
# sequence increasing past a clock step back).
LEDGER_SLACK_NS = 60 * 10**9


class Stock(Base):
    async def ListStockLevels(
        self, request: inventory_pb2.ListStockLevelsRequest, context: aio.ServicerContext
    ) -> inventory_pb2.ListStockLevelsResponse:
        size = page_size(request.page_size)
        if not request.skus and not request.location_ids:
            raise InvalidArgument("name at least one of skus or location_ids", field="skus")
        documents, token = await listing.page(
            self.collections.stock,
            listing.wanted(sku=request.skus, location_id=request.location_ids),
            listing.SKU,
            size,
            request.page_token,
            kept=self.collections.floors,
            keep=_non_zero if request.non_zero_only else None,
        )
        return inventory_pb2.ListStockLevelsResponse(
            stock_levels=[level_message(document) for document in documents],
            next_page_token=token,
        )

    async def SetSafetyStock(
        self, request: inventory_pb2.SetSafetyStockRequest, context: aio.ServicerContext
    ) -> inventory_pb2.SetSafetyStockResponse:
        require(request.sku, "sku")
        require(request.location_id, "location_id")
        if request.safety_stock < 0:
            raise InvalidArgument("safety_stock must not be negative", field="safety_stock")
        if request.HasField("low_stock_threshold") and request.low_stock_threshold < 0:
            raise InvalidArgument(
                "low_stock_threshold must not be negative", field="low_stock_threshold"
            )

        async def work(changes: StockChanges) -> inventory_pb2.SetSafetyStockResponse:
            before = await changes.level(request.sku, request.location_id, create=True)
            after = dataclasses.replace(before, safety_stock=request.safety_stock)
            extra = {}
            if request.HasField("low_stock_threshold"):
                extra["low_stock_threshold"] = request.low_stock_threshold
            document = await changes.write(before, after, settings=extra)
            return inventory_pb2.SetSafetyStockResponse(stock_level=level_message(document))

        async def plan() -> Work[inventory_pb2.SetSafetyStockResponse]:
            await self.location(request.location_id, "location_id")
            return work

        return await self.write(
            context, request, inventory_pb2.SetSafetyStockResponse, plan, skus=[request.sku]
        )

    async def ReceiveStock(
        self, request: inventory_pb2.ReceiveStockRequest, context: aio.ServicerContext
    ) -> inventory_pb2.ReceiveStockResponse:
        require(request.location_id, "location_id")
        lines(((line.sku, line.quantity) for line in request.lines), "lines")
        location_id = request.location_id

        async def work(changes: StockChanges) -> inventory_pb2.ReceiveStockResponse:
            moves = await _moves(
                changes,
                location_id,
                [(line.sku, line.quantity, 0) for line in request.lines],
            )
            await changes.write_many(
                moves, kind="MOVEMENT_KIND_RECEIPT", note=request.note, reference=request.reference
            )
            # A level's expected units change only with the inbound records received here (a
            # record always has its level: RecordInbound makes it).
            expected: set[str] = set()
            for index, inbound_id in enumerate(request.inbound_ids):
                field = f"inbound_ids[{index}]"
                found = await self.collections.inbound.find_one_and_update(
                    {
                        "_id": inbound_id,
                        "location_id": location_id,
                        "status": "INBOUND_STATUS_EXPECTED",
                    },
                    {"$set": {"status": "INBOUND_STATUS_RECEIVED", "updated_at": utcnow()}},
                    session=changes.session,
                )
                if found is None:
                    raise NotFound(
                        f"no expected inbound {inbound_id!r} at location {location_id!r}",
                        reason="INBOUND_NOT_FOUND",
                        field=field,
                    )
                expected.add(found["sku"])
            for sku in expected:
                await inbound_store.refresh(self.collections, changes.session, sku, location_id)
            skus = expected | {line.sku for line in request.lines}
            return inventory_pb2.ReceiveStockResponse(
                stock_levels=await self._levels(changes, skus, location_id)
            )

        async def plan() -> Work[inventory_pb2.ReceiveStockResponse]:
            await self.location(location_id, "location_id")
            return work

        return await self.write(
            context,
            request,
            inventory_pb2.ReceiveStockResponse,
            plan,
            actor=request.actor,
            skus=[line.sku for line in request.lines],
        )

    async def AdjustStock(
        self, request: inventory_pb2.AdjustStockRequest, context: aio.ServicerContext
    ) -> inventory_pb2.AdjustStockResponse:
        require(request.sku, "sku")
        require(request.location_id, "location_id")
        if request.quantity_delta == 0:
            raise InvalidArgument("quantity_delta must not be 0", field="quantity_delta")
        if not request.reason:
            raise InvalidArgument("reason is required for an adjustment", field="reason")
        if request.reason == DAMAGED and request.quantity_delta > 0:
            raise InvalidArgument(
                "a DAMAGED adjustment moves units out of sellable stock: quantity_delta must be "
                "negative",
                field="quantity_delta",
            )

        async def work(changes: StockChanges) -> inventory_pb2.AdjustStockResponse:
            before = await changes.level(request.sku, request.location_id)
            delta = request.quantity_delta
            damaged = -delta if request.reason == DAMAGED else 0
            after = before.move(delta, "quantity_delta", damaged_delta=damaged)
            document = await changes.write(
                before,
                after,
                kind="MOVEMENT_KIND_DAMAGE" if damaged else "MOVEMENT_KIND_ADJUSTMENT",
                reason=inventory_pb2.AdjustmentReason.Name(request.reason),
                note=request.note,
            )
            return inventory_pb2.AdjustStockResponse(
                stock_level=level_message(document),
                entry=from_document(changes.entries[-1], inventory_pb2.LedgerEntry),
            )

        async def plan() -> Work[inventory_pb2.AdjustStockResponse]:
            await self.location(request.location_id, "location_id")
            return work

        return await self.write(
            context,
            request,
            inventory_pb2.AdjustStockResponse,
            plan,
            actor=request.actor,
            skus=[request.sku],
        )

    async def ReturnToStock(
        self, request: inventory_pb2.ReturnToStockRequest, context: aio.ServicerContext
    ) -> inventory_pb2.ReturnToStockResponse:
        require(request.location_id, "location_id")
        lines(((line.sku, line.quantity) for line in request.lines), "lines")
        for index, line in enumerate(request.lines):
            if not line.condition:
                raise InvalidArgument(
                    "condition must be SELLABLE or DAMAGED", field=f"lines[{index}].condition"
                )
        location_id = request.location_id

        async def work(changes: StockChanges) -> inventory_pb2.ReturnToStockResponse:
            damaged = common_pb2.ITEM_CONDITION_DAMAGED
            moves = await _moves(
                changes,
                location_id,
                [
                    (line.sku, 0, line.quantity)
                    if line.condition == damaged
                    else (line.sku, line.quantity, 0)
                    for line in request.lines
                ],
            )
            await changes.write_many(
                moves, kind="MOVEMENT_KIND_RETURN", reference=request.return_id or request.order_id
            )
            skus = {line.sku for line in request.lines}
            return inventory_pb2.ReturnToStockResponse(
                stock_levels=await self._levels(changes, skus, location_id)
            )

        async def plan() -> Work[inventory_pb2.ReturnToStockResponse]:
            await self.location(location_id, "location_id")
            return work

        return await self.write(
            context,
            request,
            inventory_pb2.ReturnToStockResponse,
            plan,
            actor=request.actor,
            skus=[line.sku for line in request.lines],
        )

    async def RecordInbound(
        self, request: inventory_pb2.RecordInboundRequest, context: aio.ServicerContext
    ) -> inventory_pb2.RecordInboundResponse:
        given = request.inbound
        require(given.sku, "inbound.sku")
        require(given.location_id, "inbound.location_id")
        positive(given.quantity, "inbound.quantity")
        if not given.HasField("expected_at"):
            raise InvalidArgument("expected_at is required", field="inbound.expected_at")
        inbound = inventory_pb2.InboundStock()
        inbound.CopyFrom(given)
        inbound.id = new_id("inb")
        inbound.status = inventory_pb2.INBOUND_STATUS_EXPECTED
        inbound.source_kind = given.source_kind or inventory_pb2.INBOUND_SOURCE_KIND_PURCHASE_ORDER
        inbound.created_at.CopyFrom(to_timestamp(utcnow()))
        inbound.updated_at.CopyFrom(inbound.created_at)

        async def work(changes: StockChanges) -> inventory_pb2.RecordInboundResponse:
            session = changes.session
            await inbound_store.insert(self.collections, session, inbound)
            await inbound_store.refresh(self.collections, session, inbound.sku, inbound.location_id)
            return inventory_pb2.RecordInboundResponse(inbound=inbound)

        async def plan() -> Work[inventory_pb2.RecordInboundResponse]:
            await self.location(given.location_id, "inbound.location_id")
            return work

        return await self.write(
            context, request, inventory_pb2.RecordInboundResponse, plan, skus=[given.sku]
        )

    async def CancelInbound(
        self, request: inventory_pb2.CancelInboundRequest, context: aio.ServicerContext
    ) -> inventory_pb2.CancelInboundResponse:
        require(request.inbound_id, "inbound_id")
        found = await self.collections.inbound.find_one({"_id": request.inbound_id})
        if found is None or (request.location_id and found["location_id"] != request.location_id):
            raise NotFound(
                f"no inbound {request.inbound_id!r}"
                + (f" at location {request.location_id!r}" if request.location_id else ""),
                reason="INBOUND_NOT_FOUND",
                field="inbound_id",
            )
        sku, location_id = found["sku"], found["location_id"]

        async def work(changes: StockChanges) -> inventory_pb2.CancelInboundResponse:
            cancelled = await self.collections.inbound.find_one_and_update(
                {"_id": request.inbound_id, "status": inbound_store.EXPECTED},
                {"$set": {"status": "INBOUND_STATUS_CANCELLED", "updated_at": utcnow()}},
                session=changes.session,
                return_document=True,
            )
            if cancelled is None:
                raise FailedPrecondition(
                    f"inbound {request.inbound_id!r} is no longer expected (received or cancelled)",
                    reason="INBOUND_NOT_EXPECTED",
                    field="inbound_id",
                )
            await inbound_store.refresh(self.collections, changes.session, sku, location_id)
            return inventory_pb2.CancelInboundResponse(
                inbound=from_document(cancelled, inventory_pb2.InboundStock)
            )

        return await self.write(
            context,
            request,
            inventory_pb2.CancelInboundResponse,
            no_checks(work),
            actor=request.actor,
            skus=[sku],
        )

    async def ListInbound(
        self, request: inventory_pb2.ListInboundRequest, context: aio.ServicerContext
    ) -> inventory_pb2.ListInboundResponse:
        size = page_size(request.page_size)
        documents, token = await listing.page(
            self.collections.inbound,
            listing.wanted(
                sku=request.sku,
                location_id=request.location_id,
                status=listing.names(inventory_pb2.InboundStatus, request.statuses),
            ),
            listing.EXPECTED,
            size,
            request.page_token,
            kept=self.collections.floors,
            missing=listing.INBOUND_IDS,
        )
        return inventory_pb2.ListInboundResponse(
            inbound=[from_document(d, inventory_pb2.InboundStock) for d in documents],
            next_page_token=token,
        )

    async def ListLedgerEntries(
        self, request: inventory_pb2.ListLedgerEntriesRequest, context: aio.ServicerContext
    ) -> inventory_pb2.ListLedgerEntriesResponse:
        size = page_size(request.page_size)
        window = request.time_range
        # The sequence is the write's wall-clock time in nanoseconds (store/changes.py `_seq`),
        # so a time range is a range of it, give or take the clock steps a process took to
        # keep its sequence increasing: checked on the rows as well.
        since = _ns(window.start_time) if window.HasField("start_time") else None
        until = _ns(window.end_time) + LEDGER_SLACK_NS if window.HasField("end_time") else None
        documents, token = await listing.page(
            self.collections.ledger,
            listing.wanted(
                sku=request.sku,
                location_id=request.location_id,
                kind=listing.names(inventory_pb2.MovementKind, request.kinds),
            ),
            listing.SEQ,
            size,
            request.page_token,
            kept=self.collections.floors,
            keep=_occurred(window),
            since=since,
            until=until,
        )
        return inventory_pb2.ListLedgerEntriesResponse(
            entries=[from_document(d, inventory_pb2.LedgerEntry) for d in documents],
            next_page_token=token,
        )

    async def _levels(
        self, changes: StockChanges, skus: set[str], location_id: str
    ) -> list[inventory_pb2.StockLevel]:
        ids = [level_id(sku, location_id) for sku in sorted(skus)]
        cursor = self.collections.stock.find({"_id": {"$in": ids}}, session=changes.session)
        return [level_message(document) async for document in cursor]


async def _moves(
    changes: StockChanges, location_id: str, lines: list[tuple[str, int, int]]
) -> list[tuple[Level, Level]]:
    """Each line's (before, after) for units coming in, as (sku, on hand, damaged) at the
    location: its SKUs' levels read in one query; a SKU on two lines moves from where the
    first left it."""
    await changes.prefetch(sku for sku, _, _ in lines)
    current: dict[str, Level] = {}
    moves = []
    for index, (sku, on_hand, damaged) in enumerate(lines):
        before = current.get(sku) or await changes.level(sku, location_id, create=True)
        after = before.move(on_hand, f"lines[{index}].quantity", damaged_delta=damaged)
        current[sku] = after
        moves.append((before, after))
    return moves


def _non_zero(document: dict[str, Any]) -> bool:
    return any(document.get(name) != 0 for name in ("on_hand", "reserved", "damaged", "inbound"))


def _ns(moment: timestamp_pb2.Timestamp) -> int:
    return moment.seconds * 10**9 + moment.nanos


def _occurred(window: common_pb2.TimeRange) -> Callable[[dict[str, Any]], bool] | None:
    """The ledger's time range checked on the rows its sequence range read."""
    start = from_timestamp(window.start_time) if window.HasField("start_time") else None
    end = from_timestamp(window.end_time) if window.HasField("end_time") else None
    if start is None and end is None:
        return None

    def within(document: dict[str, Any]) -> bool:
        at = document.get("occurred_at")
        return at is not None and (start is None or at >= start) and (end is None or at < end)

    return within
