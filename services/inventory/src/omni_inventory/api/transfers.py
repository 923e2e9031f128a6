"""Transfers between locations: requested, shipped (in transit, inbound at the destination),
received, or cancelled before shipping."""

from __future__ import annotations

from grpc import aio

from omni.inventory.v1 import inventory_pb2
from omni_inventory import events
from omni_inventory.api.base import Base, Work
from omni_inventory.domain.requests import lines, page_size, require
from omni_inventory.store import inbound as inbound_store
from omni_inventory.store import listing
from omni_inventory.store.changes import StockChanges
from omni_kit.errors import FailedPrecondition, InvalidArgument, NotFound
from omni_kit.ids import new_id, utcnow
from omni_kit.protos import from_document, to_document, to_timestamp

REQUESTED = inventory_pb2.TRANSFER_STATUS_REQUESTED
IN_TRANSIT = inventory_pb2.TRANSFER_STATUS_IN_TRANSIT


class Transfers(Base):
    async def CreateTransfer(
        self, request: inventory_pb2.CreateTransferRequest, context: aio.ServicerContext
    ) -> inventory_pb2.CreateTransferResponse:
        require(request.from_location_id, "from_location_id")
        require(request.to_location_id, "to_location_id")
        if request.from_location_id == request.to_location_id:
            raise InvalidArgument(
                "a transfer must go to a different location than it comes from",
                reason="TRANSFER_TO_SAME_LOCATION",
                field="to_location_id",
            )
        lines(((line.sku, line.quantity) for line in request.lines), "lines")

        async def plan() -> Work[inventory_pb2.CreateTransferResponse]:
            await self.location(request.from_location_id, "from_location_id")
            await self.location(request.to_location_id, "to_location_id")
            for index, line in enumerate(request.lines):
                known = await self.collections.stock.find_one(
                    {"sku": line.sku, "location_id": request.from_location_id}, {"_id": 1}
                )
                if known is None:
                    raise NotFound(
                        f"location {request.from_location_id!r} holds no SKU {line.sku!r}",
                        reason="SKU_NOT_FOUND",
                        field=f"lines[{index}].sku",
                    )
            transfer = inventory_pb2.Transfer(
                id=new_id("trf"),
                from_location_id=request.from_location_id,
                to_location_id=request.to_location_id,
                lines=[
                    inventory_pb2.StockQuantity(sku=li.sku, quantity=li.quantity)
                    for li in request.lines
                ],
                status=REQUESTED,
                note=request.note,
                created_by=request.actor,
                created_at=to_timestamp(utcnow()),
                version=1,
            )
            if request.HasField("expected_at"):
                transfer.expected_at.CopyFrom(request.expected_at)

            async def work(changes: StockChanges) -> inventory_pb2.CreateTransferResponse:
                await self.collections.transfers.insert_one(
                    to_document(transfer), session=changes.session
                )
                return inventory_pb2.CreateTransferResponse(transfer=transfer)

            return work

        return await self.write(context, request, inventory_pb2.CreateTransferResponse, plan)

    async def GetTransfer(
        self, request: inventory_pb2.GetTransferRequest, context: aio.ServicerContext
    ) -> inventory_pb2.GetTransferResponse:
        return inventory_pb2.GetTransferResponse(transfer=await self._transfer(request.transfer_id))

    async def ListTransfers(
        self, request: inventory_pb2.ListTransfersRequest, context: aio.ServicerContext
    ) -> inventory_pb2.ListTransfersResponse:
        size = page_size(request.page_size)
        statuses = listing.names(inventory_pb2.TransferStatus, request.statuses)
        # A location's transfers are those leaving it and those coming to it: one walk over
        # both branches, merged newest first (the recent ones are the ones still moving).
        sides = ("from_location_id", "to_location_id") if request.location_id else ()
        documents, token = await listing.page(
            self.collections.transfers,
            listing.wanted(status=statuses),
            listing.CREATED,
            size,
            request.page_token,
            descending=True,
            either=[{side: [request.location_id]} for side in sides],
        )
        return inventory_pb2.ListTransfersResponse(
            transfers=[from_document(d, inventory_pb2.Transfer) for d in documents],
            next_page_token=token,
        )

    async def ShipTransfer(
        self, request: inventory_pb2.ShipTransferRequest, context: aio.ServicerContext
    ) -> inventory_pb2.ShipTransferResponse:
        require(request.transfer_id, "transfer_id")

        async def plan() -> Work[inventory_pb2.ShipTransferResponse]:
            transfer = await self._transfer(request.transfer_id)
            _must_be(transfer, REQUESTED, "shipped")
            version = transfer.version
            transfer.status = IN_TRANSIT
            transfer.shipped_at.CopyFrom(to_timestamp(utcnow()))
            transfer.version += 1
            if request.HasField("expected_at"):
                transfer.expected_at.CopyFrom(request.expected_at)

            async def work(changes: StockChanges) -> inventory_pb2.ShipTransferResponse:
                for index, line in enumerate(transfer.lines):
                    before = await changes.level(line.sku, transfer.from_location_id)
                    after = before.move(-line.quantity, f"lines[{index}].quantity")
                    await changes.write(
                        before, after, kind="MOVEMENT_KIND_TRANSFER_OUT", reference=transfer.id
                    )
                    inbound = inventory_pb2.InboundStock(
                        id=new_id("inb"),
                        sku=line.sku,
                        location_id=transfer.to_location_id,
                        quantity=line.quantity,
                        expected_at=transfer.expected_at
                        if transfer.HasField("expected_at")
                        else None,
                        source_kind=inventory_pb2.INBOUND_SOURCE_KIND_TRANSFER,
                        source_ref=transfer.id,
                        status=inventory_pb2.INBOUND_STATUS_EXPECTED,
                        created_at=transfer.shipped_at,
                        updated_at=transfer.shipped_at,
                    )
                    await inbound_store.insert(self.collections, changes.session, inbound)
                    await inbound_store.refresh(
                        self.collections, changes.session, line.sku, transfer.to_location_id
                    )
                await self._save(changes, transfer, version)
                changes.extra_events.append(events.transfer_event(transfer, shipped=True))
                return inventory_pb2.ShipTransferResponse(transfer=transfer)

            return work

        return await self.write(
            context,
            request,
            inventory_pb2.ShipTransferResponse,
            plan,
            actor=request.actor,
        )

    async def ReceiveTransfer(
        self, request: inventory_pb2.ReceiveTransferRequest, context: aio.ServicerContext
    ) -> inventory_pb2.ReceiveTransferResponse:
        require(request.transfer_id, "transfer_id")
        for index, line in enumerate(request.received_lines):
            if line.quantity < 0:
                raise InvalidArgument(
                    "quantity must not be negative", field=f"received_lines[{index}].quantity"
                )

        async def plan() -> Work[inventory_pb2.ReceiveTransferResponse]:
            transfer = await self._transfer(request.transfer_id)
            _must_be(transfer, IN_TRANSIT, "received")
            shipped = {line.sku for line in transfer.lines}
            received = list(request.received_lines) or list(transfer.lines)
            for index, line in enumerate(received):
                if line.sku not in shipped:
                    raise InvalidArgument(
                        f"SKU {line.sku!r} was not shipped on this transfer",
                        field=f"received_lines[{index}].sku",
                    )
            version = transfer.version
            transfer.status = inventory_pb2.TRANSFER_STATUS_RECEIVED
            transfer.received_at.CopyFrom(to_timestamp(utcnow()))
            transfer.version += 1
            transfer.received_lines.extend(
                inventory_pb2.StockQuantity(sku=line.sku, quantity=line.quantity)
                for line in received
            )

            async def work(changes: StockChanges) -> inventory_pb2.ReceiveTransferResponse:
                for index, line in enumerate(received):
                    if line.quantity:
                        before = await changes.level(line.sku, transfer.to_location_id, create=True)
                        after = before.move(line.quantity, f"received_lines[{index}].quantity")
                        await changes.write(
                            before,
                            after,
                            kind="MOVEMENT_KIND_TRANSFER_IN",
                            reference=transfer.id,
                            note=request.note,
                        )
                await self.collections.inbound.update_many(
                    {"source_ref": transfer.id, "status": inbound_store.EXPECTED},
                    {"$set": {"status": "INBOUND_STATUS_RECEIVED", "updated_at": utcnow()}},
                    session=changes.session,
                )
                for sku in shipped:
                    await inbound_store.refresh(
                        self.collections, changes.session, sku, transfer.to_location_id
                    )
                await self._save(changes, transfer, version)
                changes.extra_events.append(events.transfer_event(transfer, shipped=False))
                return inventory_pb2.ReceiveTransferResponse(transfer=transfer)

            return work

        return await self.write(
            context,
            request,
            inventory_pb2.ReceiveTransferResponse,
            plan,
            actor=request.actor,
        )

    async def CancelTransfer(
        self, request: inventory_pb2.CancelTransferRequest, context: aio.ServicerContext
    ) -> inventory_pb2.CancelTransferResponse:
        require(request.transfer_id, "transfer_id")

        async def plan() -> Work[inventory_pb2.CancelTransferResponse]:
            transfer = await self._transfer(request.transfer_id)
            _must_be(transfer, REQUESTED, "cancelled")
            version = transfer.version
            transfer.status = inventory_pb2.TRANSFER_STATUS_CANCELLED
            transfer.cancelled_at.CopyFrom(to_timestamp(utcnow()))
            transfer.version += 1

            async def work(changes: StockChanges) -> inventory_pb2.CancelTransferResponse:
                await self._save(changes, transfer, version)
                return inventory_pb2.CancelTransferResponse(transfer=transfer)

            return work

        return await self.write(context, request, inventory_pb2.CancelTransferResponse, plan)

    async def _transfer(self, transfer_id: str) -> inventory_pb2.Transfer:
        require(transfer_id, "transfer_id")
        document = await self.collections.transfers.find_one({"_id": transfer_id})
        if document is None:
            raise NotFound(
                f"no transfer with id {transfer_id!r}",
                reason="TRANSFER_NOT_FOUND",
                field="transfer_id",
            )
        return from_document(document, inventory_pb2.Transfer)

    async def _save(
        self, changes: StockChanges, transfer: inventory_pb2.Transfer, version: int
    ) -> None:
        saved = await self.collections.transfers.replace_one(
            {"_id": transfer.id, "version": version}, to_document(transfer), session=changes.session
        )
        if not saved.matched_count:
            raise FailedPrecondition(
                f"transfer {transfer.id!r} changed meanwhile; read it again",
                reason="TRANSFER_CHANGED",
                field="transfer_id",
            )


def _must_be(transfer: inventory_pb2.Transfer, status: int, action: str) -> None:
    if transfer.status != status:
        now = inventory_pb2.TransferStatus.Name(transfer.status).removeprefix("TRANSFER_STATUS_")
        raise FailedPrecondition(
            f"transfer {transfer.id!r} is {now.lower()}; it cannot be {action}",
            reason=f"TRANSFER_{now}",
            field="transfer_id",
        )
