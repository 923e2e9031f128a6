"""Orders: the order document (with its saga state), written with its events in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession

from omni.order.v1 import order_pb2
from omni_kit.errors import NotFound
from omni_kit.facts import Event
from omni_kit.ids import utcnow
from omni_kit.protos import from_document, from_timestamp
from omni_kit.runtime import Infrastructure
from omni_order.ports import CheckoutInputs
from omni_order.store.documents import before_cursor, save_version, versioned_document

NOT_SOLD = ["ORDER_STATUS_PENDING", "ORDER_STATUS_PAYMENT_FAILED", "ORDER_STATUS_FAILED"]

ORDER_INDEXES = {
    "orders": [
        IndexModel(
            [("partner_key", ASCENDING)],
            unique=True,
            partialFilterExpression={"partner_key": {"$type": "string"}},
            name="one_order_per_partner_order",
        ),
        IndexModel([("customer_id", ASCENDING), ("placed_at", DESCENDING)]),
        IndexModel([("placed_at", DESCENDING)]),
        IndexModel([("saga_active", ASCENDING), ("saga_touched_at", ASCENDING)]),
        IndexModel([("status", ASCENDING), ("pickup_deadline_at", ASCENDING)]),
    ],
}


def helper_fields(order: order_pb2.Order) -> dict[str, Any]:
    """Top-level fields the queries need typed (dates, integers) next to the proto document."""
    live = [line for line in order.lines if not line.exchange_for_line_id]
    fields: dict[str, Any] = {
        "saga_active": order.saga.status
        in (order_pb2.SAGA_STATUS_RUNNING, order_pb2.SAGA_STATUS_COMPENSATING),
        "saga_touched_at": utcnow(),
        # Set while a failed saga step waits for its next attempt (nobody runs it until then).
        "saga_next_attempt_at": from_timestamp(order.saga.next_attempt_at)
        if order.saga.HasField("next_attempt_at")
        else None,
        "pickup_deadline_at": from_timestamp(order.pickup.deadline)
        if order.pickup.HasField("deadline")
        else None,
        "sales": {
            "currency": order.totals.total.currency_code,
            "revenue": order.totals.total.amount_minor,
            "units": sum(line.quantity - line.cancelled_quantity for line in live),
            "refunded": order.totals.refunded.amount_minor,
        },
    }
    return fields


class OrderStore:
    def __init__(self, infra: Infrastructure) -> None:
        self.infra = infra
        self.orders = infra.db["orders"]

    async def get(self, order_id: str) -> order_pb2.Order:
        document = await self.orders.find_one({"_id": order_id})
        if document is None:
            raise NotFound(
                f"no order with id {order_id!r}", reason="ORDER_NOT_FOUND", field="order_id"
            )
        return from_document(document, order_pb2.Order)

    async def find(self, query: dict[str, Any]) -> order_pb2.Order | None:
        document = await self.orders.find_one(query)
        return None if document is None else from_document(document, order_pb2.Order)

    async def checkout_inputs(self, order_id: str) -> CheckoutInputs:
        document = await self.orders.find_one(
            {"_id": order_id}, {"payment_token": 1, "cart_holds": 1}
        )
        document = document or {}
        return CheckoutInputs(document.get("payment_token", ""), document.get("cart_holds", []))

    async def add(
        self,
        session: AsyncClientSession,
        order: order_pb2.Order,
        events: Sequence[Event],
        *,
        extra: dict[str, Any],
    ) -> None:
        """Insert a new order with its events inside the caller's transaction."""
        document = versioned_document(order) | helper_fields(order) | extra
        await self.orders.insert_one(document, session=session)
        await self._add_events(session, events)

    async def write(
        self, session: AsyncClientSession, order: order_pb2.Order, events: Sequence[Event] = ()
    ) -> None:
        """Write the order's next version (order.version already incremented) and its events
        inside the caller's transaction."""
        await save_version(self.orders, order, helper_fields(order), session)
        await self._add_events(session, events)

    async def save(self, order: order_pb2.Order, events: Sequence[Event] = ()) -> order_pb2.Order:
        """Write the order's next version and its events in a transaction of its own (the saga's
        and the workers' steps, which no caller's key covers)."""

        async def work(session: AsyncClientSession) -> None:
            await self.write(session, order, events)

        await self.infra.transaction(work)
        return order

    async def _add_events(self, session: AsyncClientSession, events: Sequence[Event]) -> None:
        for event in events:
            await self.infra.outbox.add(session, event.subject, event.message, event_id=event.id)

    async def page(
        self, query: dict[str, Any], after: tuple[datetime, str] | None, limit: int
    ) -> list[order_pb2.Order]:
        """Newest first; `after` is the (placed_at, id) of the last order of the previous page."""
        query = before_cursor(query, "placed_at", after)
        cursor = self.orders.find(query).sort([("placed_at", DESCENDING), ("_id", DESCENDING)])
        return [
            from_document(doc, order_pb2.Order) for doc in await cursor.limit(limit).to_list(limit)
        ]

    async def due_sagas(self, now: datetime, stale: datetime, limit: int = 50) -> list[str]:
        """Sagas for the resumer: waiting for a next attempt whose time has come, or untouched
        since `stale` (the process running them went away)."""
        cursor = self.orders.find(_due(now, stale), {"_id": 1}).limit(limit)
        return [doc["_id"] for doc in await cursor.to_list(limit)]

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

    async def sales(
        self, start: datetime, end: datetime, time_zone: str, channels: list[str]
    ) -> list[dict[str, Any]]:
        """Per day (in time_zone), channel and currency: revenue, orders, units, refunds."""
        match: dict[str, Any] = {
            "placed_at": {"$gte": start, "$lt": end},
            "status": {"$nin": NOT_SOLD},
        }
        if channels:
            match["channel.channel"] = {"$in": channels}
        cancelled = {"$eq": ["$status", "ORDER_STATUS_CANCELLED"]}
        pipeline: list[dict[str, Any]] = [
            {"$match": match},
            {
                "$group": {
                    "_id": {
                        "day": {
                            "$dateToString": {
                                "format": "%Y-%m-%d",
                                "date": "$placed_at",
                                "timezone": time_zone,
                            }
                        },
                        "channel": "$channel.channel",
                        "currency": "$sales.currency",
                    },
                    "revenue": {"$sum": {"$cond": [cancelled, 0, "$sales.revenue"]}},
                    "orders": {"$sum": {"$cond": [cancelled, 0, 1]}},
                    "units": {"$sum": {"$cond": [cancelled, 0, "$sales.units"]}},
                    "refunded": {"$sum": "$sales.refunded"},
                    "cancelled_orders": {"$sum": {"$cond": [cancelled, 1, 0]}},
                }
            },
            {"$sort": {"_id.day": 1, "_id.channel": 1, "_id.currency": 1}},
        ]
        cursor = await self.orders.aggregate(pipeline)
        return await cursor.to_list(None)


def _due(now: datetime, stale: datetime) -> dict[str, Any]:
    return {
        "saga_active": True,
        "$or": [
            {"saga_next_attempt_at": {"$lte": now}},
            {"saga_next_attempt_at": None, "saga_touched_at": {"$lt": stale}},
        ],
    }
