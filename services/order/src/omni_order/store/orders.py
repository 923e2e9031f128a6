"""Orders: the order document (with its saga state), written with its events in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession

from omni_kit import keyset
from omni_kit.errors import NotFound
from omni_kit.facts import Event
from omni_kit.ids import utcnow
from omni_kit.runtime import Infrastructure
from omni_order.domain.orders import Order, SagaStatus, ShipmentStatus
from omni_order.ports import CheckoutInputs
from omni_order.store.documents import from_document, save_version, to_document
from omni_order.store.sales import SALES_INDEXES, SalesTotals, contribution, days_in
from omni_order.store.vouchers import VoucherStore, releases

PLACED = keyset.time_axis("placed_at")
# One customer's orders are sparse (a few a year): the first window looks back a month.
PLACED_BY_CUSTOMER = keyset.time_axis("placed_at", width=timedelta(days=30))
# Branches on these name an order or two: read at once, no windows.
SMALL = {"number", "partner_key"}
# A list that would need more index branches than this (stores x statuses) checks the statuses
# on the rows instead.
MAX_BRANCHES = 24
# The equality fields leading the list indexes, most selective first (see `OrderFilter`).
LISTS: list[tuple[str, ...]] = [
    ("number",),
    ("partner_key",),
    ("customer_id",),
    ("delivery.pickup_location_id", "status"),
    ("stores", "channel.channel"),
    ("stores", "status"),
    ("stores",),
    ("channel.partner_id",),
    ("channel.channel", "status"),
    ("channel.channel",),
    ("status",),
    (),
]


def _newest(*fields: str) -> IndexModel:
    return IndexModel(
        [*((name, ASCENDING) for name in fields), ("placed_at", DESCENDING), ("_id", DESCENDING)]
    )


ORDER_INDEXES = {
    "orders": [
        IndexModel(
            [("partner_key", ASCENDING)],
            unique=True,
            partialFilterExpression={"partner_key": {"$gte": ""}},
            name="one_order_per_partner_key",
        ),
        # One per list the staff and partners page through, newest (or oldest) first: the
        # equality filters, then the sort key (see `OrderFilter.branches`).
        _newest(),
        _newest("customer_id"),
        _newest("channel.channel"),
        _newest("channel.channel", "status"),
        _newest("status"),
        _newest("stores"),
        _newest("stores", "status"),
        _newest("stores", "channel.channel"),
        _newest("channel.partner_id"),
        _newest("delivery.pickup_location_id", "status"),
        IndexModel([("number", ASCENDING)]),
        # The resumer's two reads: sagas due for a next attempt, and sagas nobody moves.
        IndexModel(
            [
                ("saga_active", ASCENDING),
                ("saga_next_attempt_at", ASCENDING),
                ("saga_touched_at", ASCENDING),
            ]
        ),
        IndexModel([("status", ASCENDING), ("pickup_deadline_at", ASCENDING)]),
        # Provider callbacks name the payment by our key or by the provider's reference.
        IndexModel([("payments.id", ASCENDING)]),
        IndexModel([("payments.provider", ASCENDING), ("payments.provider_ref", ASCENDING)]),
        # The tracking poller's read: orders with a carrier's waybill not delivered yet.
        IndexModel(
            [("tracked_at", ASCENDING)],
            partialFilterExpression={"awaiting_carrier": True},
            name="awaiting_carrier_by_tracked_at",
        ),
    ],
    **SALES_INDEXES,
}
# Replaced by the indexes above (same keys; partial filters a store can reason about).
OBSOLETE_ORDER_INDEXES = {
    "orders": [
        "one_order_per_request",
        "one_order_per_partner_order",
        "saga_active_1_saga_touched_at_1",
    ]
}


@dataclass(frozen=True)
class OrderFilter:
    """What a list of orders asks for; every field is optional and they combine with AND."""

    customer_id: str = ""
    partner_id: str = ""
    partner_order_id: str = ""
    pickup_location_id: str = ""
    # Orders placed at, to be picked up at, or shipped from any of these stores.
    store_ids: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    channel: str = ""
    number: str = ""
    placed_from: datetime | None = None
    placed_to: datetime | None = None
    oldest_first: bool = False

    def branches(self) -> tuple[list[dict[str, Any]], dict[str, list[Any]]]:
        """The index branches to read (equality on an index's leading fields; the pages are
        ranges of `placed_at` after them) and the conditions checked on the rows read."""
        wanted: dict[str, list[Any]] = {
            "number": [self.number] if self.number else [],
            "partner_key": [f"{self.partner_id}:{self.partner_order_id}"]
            if self.partner_order_id
            else [],
            "customer_id": [self.customer_id] if self.customer_id else [],
            "channel.partner_id": [self.partner_id] if self.partner_id else [],
            "channel.channel": [self.channel] if self.channel else [],
            "delivery.pickup_location_id": [self.pickup_location_id]
            if self.pickup_location_id
            else [],
            "stores": list(self.store_ids),
            "status": list(self.statuses),
        }
        if self.pickup_location_id and not self.statuses:
            # The pickup store is one of the order's stores: read that branch, check the rest.
            if self.store_ids and self.pickup_location_id not in self.store_ids:
                return [], {}
            wanted["stores"] = [self.pickup_location_id]
        return keyset.plan(wanted, LISTS, max_branches=MAX_BRANCHES)


def helper_fields(order: Order) -> dict[str, Any]:
    """Top-level fields the queries need typed (dates, integers) next to the proto document."""
    live = [line for line in order.lines if not line.exchange_for_line_id]
    stores = {order.channel.store_id, order.delivery.pickup_location_id}
    stores |= {shipment.source_location_id for shipment in order.shipments}
    fields: dict[str, Any] = {
        "stores": sorted(store for store in stores if store),
        "saga_active": order.saga.status in (SagaStatus.RUNNING, SagaStatus.COMPENSATING),
        "saga_touched_at": utcnow(),
        # Set while a failed saga step waits for its next attempt (nobody runs it until then).
        "saga_next_attempt_at": order.saga.next_attempt_at,
        "pickup_deadline_at": order.pickup.deadline if order.pickup else None,
        "awaiting_carrier": any(
            shipment.carrier_ref and shipment.status != ShipmentStatus.DELIVERED
            for shipment in order.shipments
        ),
        "sales": {
            "currency": order.totals.total.currency_code,
            "revenue": order.totals.total.amount_minor,
            "units": sum(line.quantity - line.cancelled_quantity for line in live),
            "refunded": order.totals.refunded.amount_minor,
            "tax": order.totals.tax.amount_minor if order.totals.tax else 0,
            "discount": order.totals.discount.amount_minor if order.totals.discount else 0,
            "refunded_tax": (
                order.totals.refunded_tax.amount_minor if order.totals.refunded_tax else 0
            ),
        },
    }
    return fields


def document_of(order: Order, zones: Sequence[str]) -> dict[str, Any]:
    """The stored order: the proto document, its query helpers and what it adds to the sales
    totals."""
    document = to_document(order) | helper_fields(order)
    document["sales_counted"] = contribution(document, zones)
    return document


class OrderStore:
    def __init__(self, infra: Infrastructure, report_time_zones: Sequence[str] = ("UTC",)) -> None:
        self.infra = infra
        self.orders = infra.db["orders"]
        self.totals = SalesTotals(infra.db["sales_days"], tuple(report_time_zones))
        self.vouchers = VoucherStore(infra.db)

    async def get(self, order_id: str) -> Order:
        document = await self.orders.find_one({"_id": order_id})
        if document is None:
            raise NotFound(
                f"no order with id {order_id!r}", reason="ORDER_NOT_FOUND", field="order_id"
            )
        return from_document(document, Order)

    async def find(self, query: dict[str, Any]) -> Order | None:
        document = await self.orders.find_one(query)
        return None if document is None else from_document(document, Order)

    async def with_payment(self, provider: str, key: str, reference: str) -> Order:
        """The order holding a payment, by our key or by the provider's reference."""
        query = (
            {"payments.id": key}
            if key
            else {"payments.provider": provider, "payments.provider_ref": reference}
        )
        order = await self.find(query) if key or reference else None
        if order is None or order.payments[0].provider != provider:
            raise NotFound(
                f"no {provider} payment {key or reference!r}",
                reason="PAYMENT_NOT_FOUND",
                field="reference",
            )
        return order

    async def trace_headers(self, order_id: str) -> dict[str, str]:
        """The trace context of the checkout that placed the order."""
        document = await self.orders.find_one({"_id": order_id}, {"trace": 1}) or {}
        return dict(document.get("trace") or {})

    async def checkout_inputs(self, order_id: str) -> CheckoutInputs:
        document = await self.orders.find_one(
            {"_id": order_id}, {"payment_token": 1, "cart_holds": 1}
        )
        document = document or {}
        return CheckoutInputs(document.get("payment_token", ""), document.get("cart_holds", []))

    async def prepare(self, order: Order) -> None:
        """Create the sales-totals rows a new order will add to, before its transaction starts
        (two transactions creating one row would otherwise conflict on its key)."""
        await self.totals.prepare(document_of(order, self.totals.zones)["sales_counted"])

    async def add(
        self,
        session: AsyncClientSession,
        order: Order,
        events: Sequence[Event],
        *,
        extra: dict[str, Any],
    ) -> None:
        """Insert a new order with its events inside the caller's transaction (`prepare` it
        first)."""
        document = document_of(order, self.totals.zones) | extra
        await self.orders.insert_one(document, session=session)
        await self._add_events(session, events)
        # Last: the day's row is shared by every order of the day, channel and currency.
        await self.totals.apply(None, document["sales_counted"], session)

    async def write(
        self, session: AsyncClientSession, order: Order, events: Sequence[Event] = ()
    ) -> None:
        """Write the order's next version (order.version already incremented) and its events
        inside the caller's transaction; its share of the sales totals moves with it."""
        fields = helper_fields(order)
        counted = contribution(to_document(order) | fields, self.totals.zones)
        before = await self.orders.find_one(
            {"_id": order.id}, {"sales_counted": 1}, session=session
        )
        await save_version(self.orders, order, fields | {"sales_counted": counted}, session)
        if releases(order):
            await self.vouchers.release(order, session)
        await self._add_events(session, events)
        await self.totals.apply((before or {}).get("sales_counted"), counted, session)

    async def save(self, order: Order, events: Sequence[Event] = ()) -> Order:
        """Write the order's next version and its events in a transaction of its own (the saga's
        and the workers' steps, which no caller's key covers)."""
        await self.prepare(order)

        async def work(session: AsyncClientSession) -> None:
            await self.write(session, order, events)

        await self.infra.transaction(work)
        return order

    async def _add_events(self, session: AsyncClientSession, events: Sequence[Event]) -> None:
        for event in events:
            await self.infra.outbox.add(session, event.subject, event.message, event_id=event.id)

    async def page(
        self, wanted: OrderFilter, after: tuple[datetime, str] | None, limit: int
    ) -> list[Order]:
        """Newest first (oldest first if asked); `after` is the (placed_at, id) of the last
        order of the previous page."""
        branches, rest = wanted.branches()
        if not branches:
            return []
        found = await keyset.page(
            self.orders,
            branches,
            PLACED_BY_CUSTOMER if "customer_id" in branches[0] else PLACED,
            limit=limit,
            descending=not wanted.oldest_first,
            after=after,
            start=wanted.placed_from,
            end=wanted.placed_to,
            keep=keyset.keeps(rest),
            whole=any(SMALL.intersection(branch) for branch in branches),
        )
        return [from_document(document, Order) for document in found]

    async def due_sagas(self, now: datetime, stale: datetime, limit: int = 50) -> list[str]:
        """Sagas for the resumer: waiting for a next attempt whose time has come, or untouched
        since `stale` (the process running them went away)."""
        found: list[str] = []
        for due in _due(now, stale)["$or"]:  # one index range each, not an $or over the lot
            cursor = self.orders.find({"saga_active": True, **due}, {"_id": 1}).limit(limit)
            found += [doc["_id"] for doc in await cursor.to_list(limit) if doc["_id"] not in found]
        return found[:limit]

    async def claim_saga(self, order_id: str, now: datetime, stale: datetime) -> bool:
        """Take a due saga for this process (it is no longer due for other instances); False
        when another one took it first."""
        result = await self.orders.update_one(
            {"_id": order_id, **_due(now, stale)},
            {"$set": {"saga_touched_at": now, "saga_next_attempt_at": None}},
        )
        return result.modified_count == 1

    async def pickups_due(self, before: datetime, limit: int = 100) -> list[str]:
        """Ready-for-pickup orders whose deadline (or reminder time) is before `before`."""
        cursor = self.orders.find(
            {"status": "ORDER_STATUS_READY_FOR_PICKUP", "pickup_deadline_at": {"$lt": before}},
            {"_id": 1},
        ).limit(limit)
        return [doc["_id"] for doc in await cursor.to_list(limit)]

    async def awaiting_carrier(self, before: datetime, limit: int = 100) -> list[str]:
        """Orders with a carrier's waybill not delivered yet, least recently tracked first,
        not tracked since `before`; each is marked tracked now, so other instances skip it."""
        query = {"awaiting_carrier": True, "tracked_at": {"$not": {"$gte": before}}}
        cursor = self.orders.find(query, {"_id": 1}).sort("tracked_at", ASCENDING).limit(limit)
        ids = [doc["_id"] for doc in await cursor.to_list(limit)]
        taken = []
        for order_id in ids:
            result = await self.orders.update_one(
                {"_id": order_id, **query}, {"$set": {"tracked_at": utcnow()}}
            )
            if result.modified_count:
                taken.append(order_id)
        return taken

    async def sales(
        self, start: datetime, end: datetime, time_zone: str, channels: list[str]
    ) -> list[dict[str, Any]]:
        """Per day (in time_zone), channel and currency: revenue, orders, units, refunds."""
        return await self.totals.report(time_zone, days_in(start, end, time_zone), channels)

    async def count_sales(self) -> int:
        """Bring every order's share of the sales totals up to date (orders stored before the
        totals existed, or counted for other time zones); returns how many were changed."""
        changed = 0
        cursor = self.orders.find({}, {"_id": 1, "sales_counted": 1, "status": 1})
        async for document in cursor:
            counted = document.get("sales_counted")
            if counted is not None and set(counted.get("days", {})) == set(self.totals.zones):
                continue
            if counted is None and "sales_counted" in document:
                continue  # not sold: counted as nothing
            if await self._recount(document["_id"]):
                changed += 1
        return changed

    async def _recount(self, order_id: str) -> bool:
        stored = await self.orders.find_one({"_id": order_id})
        if stored is None:
            return False
        counted = contribution(stored, self.totals.zones)
        await self.totals.prepare(counted)

        async def work(session: AsyncClientSession) -> bool:
            current = await self.orders.find_one({"_id": order_id}, session=session)
            if current is None:
                return False
            now = contribution(current, self.totals.zones)
            before = current.get("sales_counted")
            if "sales_counted" in current and before == now:
                return False
            await self.orders.update_one(
                {"_id": order_id}, {"$set": {"sales_counted": now}}, session=session
            )
            await self.totals.apply(before, now, session)
            return True

        return await self.infra.transaction(work)


def _due(now: datetime, stale: datetime) -> dict[str, Any]:
    return {
        "saga_active": True,
        "$or": [
            {"saga_next_attempt_at": {"$lte": now}},
            {"saga_next_attempt_at": None, "saga_touched_at": {"$lt": stale}},
        ],
    }
