"""Reservations: cart holds with a TTL and order reservations; release, commit, extend, expire."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from grpc import aio
from pymongo.errors import DuplicateKeyError

from omni.inventory.v1 import inventory_pb2
from omni_inventory import events
from omni_inventory.api.base import Base, Work, no_checks
from omni_inventory.domain import reservations as rules
from omni_inventory.domain.levels import shortage
from omni_inventory.domain.requests import lines, page_size, require
from omni_inventory.metrics import refusals_counted
from omni_inventory.store import listing
from omni_inventory.store import reservations as store
from omni_inventory.store.changes import StockChanges
from omni_kit import faults
from omni_kit.errors import AlreadyExists, Conflict, InvalidArgument, NotFound
from omni_kit.idempotency import fingerprint, require_command
from omni_kit.ids import utcnow
from omni_kit.protos import from_timestamp, to_timestamp

CART_HOLD = inventory_pb2.RESERVATION_KIND_CART_HOLD
OWNER_FIELDS = ("cart_id", "order_id", "customer_id")
Taken = list[tuple[int, int]]


class Reservations(Base):
    async def ReserveStock(
        self, request: inventory_pb2.ReserveStockRequest, context: aio.ServicerContext
    ) -> inventory_pb2.ReserveStockResponse:
        require(request.reservation_id, "reservation_id")
        if not request.kind:
            raise InvalidArgument("kind must be CART_HOLD or ORDER", field="kind")
        lines(((line.sku, line.quantity) for line in request.lines), "lines")
        ttl = self._ttl(request) if request.kind == CART_HOLD else None
        if request.reservation_id in request.replaces_reservation_ids:
            raise InvalidArgument(
                "a reservation cannot replace itself", field="replaces_reservation_ids"
            )
        digest = fingerprint(
            inventory_pb2.ReserveStockRequest(
                kind=request.kind, lines=request.lines, owner=request.owner
            ).SerializeToString(deterministic=True)
        )
        skus = {line.sku for line in request.lines}

        async def work(changes: StockChanges) -> inventory_pb2.ReserveStockResponse:
            session = changes.session
            existing = await self.collections.reservations.find_one(
                {"_id": request.reservation_id}, session=session
            )
            if existing is not None:
                if existing["fingerprint"] != digest:
                    raise AlreadyExists(
                        f"reservation {request.reservation_id!r} exists with other lines",
                        reason="RESERVATION_EXISTS",
                        field="reservation_id",
                    )
                return inventory_pb2.ReserveStockResponse(reservation=store.to_message(existing))
            now = utcnow()
            for replaced in request.replaces_reservation_ids:
                # A hold that never came to be holds nothing: there is nothing to give back.
                if await self.collections.reservations.find_one(
                    {"_id": replaced}, {"_id": 1}, session=session
                ):
                    reason = f"replaced by {request.reservation_id}"
                    await self._release(changes, replaced, [], reason)
            if request.kind == CART_HOLD:
                await self._check_cap(changes, request, now)
            policy = await changes.policy_for(request.channel)
            made: list[rules.Line] = []
            for index, line in enumerate(request.lines):
                field = f"lines[{index}]"
                candidates = await self._candidates(changes, line, field)
                total = await changes.total(line.sku)
                plan = rules.allocate(
                    rules.Wanted(line.sku, line.quantity, line.location_id),
                    candidates,
                    allow_split=request.allow_split,
                    channel_available=policy.apply(total),
                    field=f"{field}.quantity",
                )
                for location_id, units in plan:
                    before = await changes.level(line.sku, location_id)
                    after = before.reserve(units, f"{field}.quantity")
                    await changes.write(before, after, guard_free=units)
                    made.append(rules.Line(line.sku, location_id, units))
            reservation = inventory_pb2.Reservation(
                id=request.reservation_id,
                kind=request.kind,
                status=inventory_pb2.RESERVATION_STATUS_ACTIVE,
                owner=request.owner,
                channel=request.channel,
                version=1,
                created_at=to_timestamp(now),
                updated_at=to_timestamp(now),
            )
            if ttl is not None:
                reservation.expires_at.CopyFrom(to_timestamp(now + ttl))
            store.set_lines(reservation, _merged(made))
            document = store.to_document_with_keys(reservation, fingerprint=digest)
            try:
                await self.collections.reservations.insert_one(document, session=session)
            except DuplicateKeyError:
                raise Conflict(
                    f"reservation {request.reservation_id!r} was made meanwhile; retry"
                ) from None
            changes.extra_events.append(events.stock_reserved(reservation))
            return inventory_pb2.ReserveStockResponse(reservation=reservation)

        async def counted(changes: StockChanges) -> inventory_pb2.ReserveStockResponse:
            with refusals_counted(request.kind):
                return await work(changes)

        async def plan() -> Work[inventory_pb2.ReserveStockResponse]:
            if not request.replaces_reservation_ids:
                with refusals_counted(request.kind):
                    await self._refuse_early_when_short(request)
            return counted

        reply = await self.write(
            context, request, inventory_pb2.ReserveStockResponse, plan, skus=skus
        )
        faults.reach("inventory.after_reservation")
        return reply

    async def ReleaseReservation(
        self, request: inventory_pb2.ReleaseReservationRequest, context: aio.ServicerContext
    ) -> inventory_pb2.ReleaseReservationResponse:
        require(request.reservation_id, "reservation_id")
        wanted = _wanted(request.lines, "lines")
        if wanted:
            require_command(context, request)  # a repeat would give back the units again
        skus = await self._skus(request.reservation_id)

        async def work(changes: StockChanges) -> inventory_pb2.ReleaseReservationResponse:
            reservation = await self._release(
                changes, request.reservation_id, wanted, request.reason
            )
            return inventory_pb2.ReleaseReservationResponse(reservation=reservation)

        return await self.write(
            context,
            request,
            inventory_pb2.ReleaseReservationResponse,
            no_checks(work),
            actor=request.actor,
            skus=skus,
        )

    async def CommitReservation(
        self, request: inventory_pb2.CommitReservationRequest, context: aio.ServicerContext
    ) -> inventory_pb2.CommitReservationResponse:
        require(request.reservation_id, "reservation_id")
        wanted = _wanted(request.lines, "lines")
        if wanted:
            require_command(context, request)  # a repeat would take the units twice
        skus = await self._skus(request.reservation_id)

        async def work(changes: StockChanges) -> inventory_pb2.CommitReservationResponse:
            document = await store.load(self.collections, request.reservation_id, changes.session)
            reservation = store.to_message(document)
            status = store.status_of(reservation)
            if not wanted and status is rules.Status.COMMITTED:
                return inventory_pb2.CommitReservationResponse(reservation=reservation)
            rules.must_be_holding(status, reservation.id, "committed")
            held = store.to_lines(reservation)
            taken = rules.take(held, wanted, "lines")
            for index, units in taken:
                line = held[index]
                before = await changes.level(line.sku, line.location_id)
                await changes.write(
                    before,
                    before.commit(units),
                    kind="MOVEMENT_KIND_RESERVATION_COMMIT",
                    reference=request.reference or reservation.id,
                )
                line.committed_quantity += units
            await self._store(changes, reservation, document, held)
            changes.extra_events.append(
                events.reservation_committed(
                    reservation, _quantities(held, taken), request.reference
                )
            )
            return inventory_pb2.CommitReservationResponse(reservation=reservation)

        return await self.write(
            context,
            request,
            inventory_pb2.CommitReservationResponse,
            no_checks(work),
            actor=request.actor,
            skus=skus,
        )

    async def ExtendReservation(
        self, request: inventory_pb2.ExtendReservationRequest, context: aio.ServicerContext
    ) -> inventory_pb2.ExtendReservationResponse:
        require(request.reservation_id, "reservation_id")
        ttl = self._ttl(request)

        async def work(changes: StockChanges) -> inventory_pb2.ExtendReservationResponse:
            document = await store.load(self.collections, request.reservation_id, changes.session)
            reservation = store.to_message(document)
            rules.must_be_holding(store.status_of(reservation), reservation.id, "extended")
            if reservation.kind != CART_HOLD:
                raise InvalidArgument(
                    "only cart holds expire; an order reservation cannot be extended",
                    field="reservation_id",
                )
            now = utcnow()
            reservation.expires_at.CopyFrom(to_timestamp(now + ttl))
            await self._store(changes, reservation, document, store.to_lines(reservation))
            return inventory_pb2.ExtendReservationResponse(reservation=reservation)

        return await self.write(
            context, request, inventory_pb2.ExtendReservationResponse, no_checks(work)
        )

    async def GetReservation(
        self, request: inventory_pb2.GetReservationRequest, context: aio.ServicerContext
    ) -> inventory_pb2.GetReservationResponse:
        require(request.reservation_id, "reservation_id")
        document = await store.load(self.collections, request.reservation_id)
        return inventory_pb2.GetReservationResponse(reservation=store.to_message(document))

    async def ListReservations(
        self, request: inventory_pb2.ListReservationsRequest, context: aio.ServicerContext
    ) -> inventory_pb2.ListReservationsResponse:
        size = page_size(request.page_size)
        # Newest first: the holds placed last are the ones anybody looks for.
        documents, token = await listing.page(
            self.collections.reservations,
            listing.wanted(
                **{f"owner.{name}": getattr(request, name) for name in OWNER_FIELDS},
                skus=request.sku,
                location_ids=request.location_id,
                status=listing.names(inventory_pb2.ReservationStatus, request.statuses),
                kind=inventory_pb2.ReservationKind.Name(request.kind) if request.kind else "",
            ),
            listing.CREATED,
            size,
            request.page_token,
            descending=True,
        )
        return inventory_pb2.ListReservationsResponse(
            reservations=[store.to_message(document) for document in documents],
            next_page_token=token,
        )

    async def expire(self, reservation_id: str) -> bool:
        """Give a due cart hold's units back; False when it was no longer due (or gone).

        The sweep's own decision, not a caller's request: a plain transaction, no idempotency
        record (running it twice finds the hold expired and does nothing)."""
        skus = await self._skus(reservation_id)

        async def work(changes: StockChanges) -> bool:
            document = await store.load(self.collections, reservation_id, changes.session)
            reservation = store.to_message(document)
            due = reservation.HasField("expires_at") and (
                from_timestamp(reservation.expires_at) <= utcnow()
            )
            if store.status_of(reservation) not in rules.HOLDING or not due:
                return False
            held = store.to_lines(reservation)
            await self._give_back(changes, held, rules.take(held, [], "lines"))
            expired = inventory_pb2.RESERVATION_STATUS_EXPIRED
            await self._store(changes, reservation, document, held, status=expired)
            changes.extra_events.append(events.reservation_expired(reservation))
            await changes.finish(self.infra.outbox)
            return True

        async def transaction(session: Any) -> bool:
            changes = StockChanges(self.collections, session, self.settings.low_stock_threshold)
            return await work(changes)

        async with self.locks.hold(skus):
            return await self.infra.transaction(transaction)

    async def _release(
        self,
        changes: StockChanges,
        reservation_id: str,
        wanted: list[rules.Wanted],
        reason: str,
    ) -> inventory_pb2.Reservation:
        document = await store.load(self.collections, reservation_id, changes.session)
        reservation = store.to_message(document)
        status = store.status_of(reservation)
        if not wanted and status in (rules.Status.RELEASED, rules.Status.EXPIRED):
            return reservation  # nothing is held any more: releasing it all again is harmless
        rules.must_be_holding(status, reservation.id, "released")
        held = store.to_lines(reservation)
        taken = rules.take(held, wanted, "lines")
        await self._give_back(changes, held, taken)
        await self._store(changes, reservation, document, held)
        changes.extra_events.append(
            events.reservation_released(reservation, _quantities(held, taken), reason)
        )
        return reservation

    async def _give_back(self, changes: StockChanges, held: list[rules.Line], taken: Taken) -> None:
        for index, units in taken:
            line = held[index]
            before = await changes.level(line.sku, line.location_id)
            await changes.write(before, before.unreserve(units))
            line.released_quantity += units

    async def _store(
        self,
        changes: StockChanges,
        reservation: inventory_pb2.Reservation,
        document: dict[str, Any],
        held: list[rules.Line],
        status: Any = 0,
    ) -> None:
        store.set_lines(reservation, held)
        computed = inventory_pb2.ReservationStatus.Value(rules.status_of(held).value)
        reservation.status = status or computed
        reservation.version = document["version"] + 1
        reservation.updated_at.CopyFrom(to_timestamp(utcnow()))
        await store.save(self.collections, changes.session, reservation, document)
        document.update(version=reservation.version)

    async def _check_cap(
        self, changes: StockChanges, request: inventory_pb2.ReserveStockRequest, now: Any
    ) -> None:
        holder = store.holder(request.owner)
        if not holder:
            return
        held = await store.units_held(self.collections, changes.session, holder, now)
        wanted = sum(line.quantity for line in request.lines)
        cap = self.settings.hold_cap_units
        if held + wanted > cap:
            raise rules.hold_cap_exceeded(holder.split(":", 1)[1], held, wanted, cap)

    async def _candidates(
        self, changes: StockChanges, line: inventory_pb2.StockQuantity, field: str
    ) -> list[tuple[str, int]]:
        """(location, available) for the line, fullest first; NOT_FOUND for unknown SKU/place."""
        levels = await changes.sku_levels(line.sku)
        # A level at the named location proves it exists, and sku_levels leaves out the ones this
        # transaction read as closed: the location itself is read only when there is none.
        if line.location_id and all(level.location_id != line.location_id for level in levels):
            await self.location(line.location_id, f"{field}.location_id", changes.session)
        if not levels and not changes.known(line.sku):
            raise NotFound(
                f"no stock of SKU {line.sku!r} is known",
                reason="SKU_NOT_FOUND",
                field=f"{field}.sku",
            )
        rows = [
            (level.location_id, level.available)
            for level in levels
            if not line.location_id or level.location_id == line.location_id
        ]
        return sorted(rows, key=lambda row: (-row[1], row[0]))

    async def _refuse_early_when_short(self, request: inventory_pb2.ReserveStockRequest) -> None:
        """Refuse without a transaction when even all stock everywhere is too little.

        Under a rush on one SKU most requests lose; this keeps their cost to two reads. Safe:
        a refusal never oversells, and a repeat of an existing reservation still gets it."""
        wanted: dict[str, int] = {}
        for line in request.lines:
            wanted[line.sku] = wanted.get(line.sku, 0) + line.quantity
        cursor = self.collections.stock.find(
            {"sku": {"$in": list(wanted)}}, {"sku": 1, "available": 1}
        )
        total: dict[str, int] = {}
        async for document in cursor:
            total[document["sku"]] = total.get(document["sku"], 0) + document.get("available", 0)
        for index, line in enumerate(request.lines):
            if line.sku in total and wanted[line.sku] > total[line.sku]:
                exists = {"_id": request.reservation_id}
                if await self.collections.reservations.find_one(exists, {"_id": 1}):
                    return
                field = f"lines[{index}].quantity"
                raise shortage(line.sku, total[line.sku], line.quantity, field)

    async def _skus(self, reservation_id: str) -> list[str]:
        document = await self.collections.reservations.find_one(
            {"_id": reservation_id}, {"skus": 1}
        )
        return list(document.get("skus", [])) if document else []

    def _ttl(self, request: Any) -> timedelta:
        if not request.HasField("ttl"):
            return timedelta(seconds=self.settings.cart_hold_ttl_seconds)
        ttl = request.ttl.ToTimedelta()
        limit = timedelta(seconds=self.settings.max_hold_ttl_seconds)
        if not timedelta(0) < ttl <= limit:
            raise InvalidArgument(
                f"ttl must be more than 0 and at most {limit.total_seconds():.0f}s", field="ttl"
            )
        return ttl


def _wanted(items: Any, field: str) -> list[rules.Wanted]:
    lines(((line.sku, line.quantity) for line in items), field, allow_empty=True)
    return [rules.Wanted(line.sku, line.quantity, line.location_id) for line in items]


def _quantities(held: list[rules.Line], taken: Taken) -> list[inventory_pb2.StockQuantity]:
    return [
        inventory_pb2.StockQuantity(
            sku=held[index].sku, quantity=units, location_id=held[index].location_id
        )
        for index, units in taken
    ]


def _merged(made: list[rules.Line]) -> list[rules.Line]:
    """One line per (SKU, location) even when a request named the same pair twice."""
    merged: dict[tuple[str, str], rules.Line] = {}
    for line in made:
        key = (line.sku, line.location_id)
        if key in merged:
            merged[key].quantity += line.quantity
        else:
            merged[key] = line
    return list(merged.values())
