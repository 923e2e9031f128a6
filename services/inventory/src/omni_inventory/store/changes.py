"""One transaction's stock changes: guarded level writes, ledger entries, and their events."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pymongo import UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import BulkWriteError

from omni.common.v1 import common_pb2
from omni.inventory.v1 import inventory_pb2
from omni_inventory import events
from omni_inventory.domain.levels import ChannelPolicy, Level
from omni_inventory.store import Collections, level_id, listing
from omni_kit.errors import Conflict, NotFound
from omni_kit.events import Outbox
from omni_kit.facts import Event
from omni_kit.ids import new_id, utcnow
from omni_kit.protos import from_document

Policies = list[tuple[common_pb2.ChannelRef, ChannelPolicy]]

_last_seq = 0
DUPLICATE_KEY = 11000


def _seq() -> int:
    """Ledger order: strictly increasing in a process, close to wall-clock time across them."""
    global _last_seq
    _last_seq = max(_last_seq + 1, time.time_ns())
    return _last_seq


@dataclass
class _Change:
    before: Level
    after: Level
    document: dict[str, Any]
    cause: str = "MOVEMENT_KIND_UNSPECIFIED"


@dataclass
class StockChanges:
    """Use one per transaction: `level()` reads, `write()` stores, `finish()` adds the events."""

    collections: Collections
    session: AsyncClientSession
    default_low_threshold: int
    actor: common_pb2.Actor | None = None
    request_id: str = ""
    extra_events: list[Event] = field(default_factory=list)
    entries: list[dict[str, Any]] = field(default_factory=list)
    _changes: dict[str, _Change] = field(default_factory=dict)
    # Read once per transaction: each store round trip counts on the hot reservation path.
    _inactive: list[str] | None = None
    _policies: Policies | None = None
    _read: dict[str, list[Level]] = field(default_factory=dict)

    async def inactive(self) -> list[str]:
        if self._inactive is None:
            self._inactive = await inactive_locations(self.collections, self.session)
        return self._inactive

    async def policies(self) -> Policies:
        if self._policies is None:
            self._policies = await load_policies(self.collections, self.session)
        return self._policies

    async def policy_for(self, channel: common_pb2.ChannelRef) -> ChannelPolicy:
        return match_policy(await self.policies(), channel)

    async def sku_levels(self, sku: str) -> list[Level]:
        """Every level of the SKU at active locations as this transaction sees it now."""
        if sku not in self._read:
            cursor = self.collections.stock.find({"sku": sku}, session=self.session)
            self._read[sku] = [to_level(document) async for document in cursor]
        current = {level.location_id: level for level in self._read[sku]}
        for change in self._changes.values():
            if change.after.sku == sku:
                current[change.after.location_id] = change.after
        inactive = await self.inactive()
        return [level for place, level in current.items() if place not in inactive]

    async def prefetch(self, skus: Iterable[str]) -> None:
        """Read every level of these SKUs in one query (a receipt of many lines would otherwise
        read each line's level, and each SKU's levels again for its events)."""
        wanted = [sku for sku in dict.fromkeys(skus) if sku not in self._read]
        if not wanted:
            return
        found: dict[str, list[Level]] = {sku: [] for sku in wanted}
        cursor = self.collections.stock.find({"sku": {"$in": wanted}}, session=self.session)
        async for document in cursor:
            found[document["sku"]].append(to_level(document))
        self._read |= found

    def known(self, sku: str) -> bool:
        """Whether the SKU has a level anywhere (active or not), after `sku_levels` read it."""
        return bool(self._read.get(sku))

    async def total(self, sku: str) -> int:
        return sum(level.available for level in await self.sku_levels(sku))

    async def level(self, sku: str, location_id: str, *, create: bool = False) -> Level:
        key = level_id(sku, location_id)
        if key in self._changes:
            return self._changes[key].after
        if sku in self._read:  # every level of the SKU is read already
            for level in self._read[sku]:
                if level.location_id == location_id:
                    return level
            document = None
        else:
            document = await self.collections.stock.find_one({"_id": key}, session=self.session)
        if document is None:
            if not create:
                raise NotFound(
                    f"SKU {sku!r} has no stock record at location {location_id!r}",
                    reason="STOCK_LEVEL_NOT_FOUND",
                    field="sku",
                )
            return Level(sku, location_id)
        return to_level(document)

    async def write(self, before: Level, after: Level, **options: Any) -> dict[str, Any]:
        """Store `after` if the level is still `before` (the options of `write_many`)."""
        [document] = await self.write_many([(before, after)], **options)
        return document

    async def write_many(
        self,
        moves: Sequence[tuple[Level, Level]],
        *,
        kind: str = "",
        reason: str = "",
        note: str = "",
        reference: str = "",
        guard_free: int = 0,
        settings: dict[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        """Store each move's `after` if its level is still `before`, with a ledger entry per move
        when `kind` is given; the stored documents, one per level, in order of first move.

        A level may move more than once (a receipt naming a SKU on two lines: each move's
        `before` is the previous one's `after`); it is written once, from its first `before` to
        its last `after`. New levels are one insert, changed ones one bulk update guarded by
        their versions, and the floors of the lists they and their ledger entries join one
        write: a receipt of many lines costs the same few round trips as one of a single line."""
        now = utcnow()
        first: dict[str, Level] = {}
        last: dict[str, Level] = {}
        for before, after in moves:
            key = level_id(after.sku, after.location_id)
            first.setdefault(key, before)
            last[key] = after
        inserts: list[dict[str, Any]] = []
        updates: dict[str, dict[str, Any]] = {}
        for key, after in last.items():
            values = {
                "on_hand": after.on_hand,
                "reserved": after.reserved,
                "safety_stock": after.safety_stock,
                "damaged": after.damaged,
                "free": after.free,
                "available": after.available,
                "updated_at": now,
                **(settings or {}),
            }
            if first[key].version == 0:
                document = {"_id": key, "sku": after.sku, "location_id": after.location_id}
                inserts.append(
                    {"version": 1, "inbound": 0, "low_stock_threshold": 0} | document | values
                )
            else:
                updates[key] = values
        entries = [
            self._ledger_entry(before, after, kind, reason, note, reference, now)
            for before, after in moves
            if kind
        ]
        await self.collections.floors.lower_many(
            [
                *listing.floors_of("stock", inserts),
                *listing.floors_of("ledger", entries),
            ]
        )
        written = {document["_id"]: document for document in inserts}
        if inserts:
            await self._insert(inserts)
        if updates:
            written |= await self._update(first, updates, guard_free)
        self.entries += entries
        for key, document in written.items():
            earlier = self._changes.get(key)
            self._changes[key] = _Change(
                before=earlier.before if earlier else first[key],
                after=to_level(document),
                document=document,
                cause=kind or (earlier.cause if earlier else "MOVEMENT_KIND_UNSPECIFIED"),
            )
        return [written[key] for key in last]

    async def _insert(self, documents: list[dict[str, Any]]) -> None:
        try:
            await self.collections.stock.insert_many(documents, session=self.session)
        except BulkWriteError as error:
            failed = error.details.get("writeErrors", [])
            if not failed or any(e.get("code") != DUPLICATE_KEY for e in failed):
                raise  # a write conflict, say: the transaction helper tries again
            sku = documents[failed[0]["index"]]["sku"]
            raise Conflict(f"stock of {sku!r} was created meanwhile; retry") from None

    async def _update(
        self, first: dict[str, Level], updates: dict[str, dict[str, Any]], guard_free: int
    ) -> dict[str, dict[str, Any]]:
        """The changed levels, each guarded by the version it was read at; their documents."""

        def guard(key: str) -> dict[str, Any]:
            found: dict[str, Any] = {"_id": key, "version": first[key].version}
            if guard_free:
                found["free"] = {"$gte": guard_free}
            return found

        if len(updates) == 1:  # the hot path of a reservation: one round trip
            [(key, values)] = updates.items()
            document = await self.collections.stock.find_one_and_update(
                guard(key),
                {"$set": values, "$inc": {"version": 1}},
                session=self.session,
                return_document=True,
            )
            if document is None:
                raise Conflict(f"stock of {first[key].sku!r} changed meanwhile; retry")
            return {key: document}
        result = await self.collections.stock.bulk_write(
            [
                UpdateOne(guard(key), {"$set": values, "$inc": {"version": 1}})
                for key, values in updates.items()
            ],
            session=self.session,
        )
        if result.matched_count != len(updates):
            skus = ", ".join(repr(first[key].sku) for key in updates)
            raise Conflict(f"stock of {skus} changed meanwhile; retry")
        cursor = self.collections.stock.find({"_id": {"$in": list(updates)}}, session=self.session)
        return {document["_id"]: document async for document in cursor}

    def _ledger_entry(
        self, before: Level, after: Level, kind: str, reason: str, note: str, ref: str, now: Any
    ) -> dict[str, Any]:
        entry = {
            "_id": new_id("led"),
            "sku": after.sku,
            "location_id": after.location_id,
            "kind": kind,
            "quantity_delta": after.on_hand - before.on_hand,
            "damaged_delta": after.damaged - before.damaged,
            "on_hand_after": after.on_hand,
            "adjustment_reason": reason or "ADJUSTMENT_REASON_UNSPECIFIED",
            "note": note,
            "reference": ref,
            "occurred_at": now,
            "request_id": self.request_id,
            "seq": _seq(),
        }
        if self.actor is not None and self.actor.ByteSize():
            entry["actor"] = {"kind": common_pb2.ActorKind.Name(self.actor.kind)} | {
                "id": self.actor.id,
                "display": self.actor.display,
            }
        return entry

    def levels(self) -> list[inventory_pb2.StockLevel]:
        return [level_message(change.document) for change in self._changes.values()]

    async def finish(self, outbox: Outbox) -> None:
        """Store the ledger entries, and add StockChanged per changed level and the
        low/out/back-in-stock facts it crossed: each kind in one write."""
        if self.entries:
            await self.collections.ledger.insert_many(self.entries, session=self.session)
        facts: list[Event] = []
        for sku in {change.after.sku for change in self._changes.values()}:
            policies = await self.policies()
            changes = [c for c in self._changes.values() if c.after.sku == sku]
            total = await self.total(sku)
            total_before = total - sum(c.after.available - c.before.available for c in changes)
            for change in changes:
                level = level_message(change.document)
                threshold = level.low_stock_threshold or self.default_low_threshold
                for event in [
                    events.stock_changed(
                        level,
                        change.cause,
                        change.after.on_hand - change.before.on_hand,
                        change.after.reserved - change.before.reserved,
                        total,
                        policies,
                    ),
                    *events.thresholds(
                        sku, level.location_id, change.before.available, level.available, threshold
                    ),
                ]:
                    facts.append(event)
            for event in events.thresholds(
                sku, "", total_before, total, self.default_low_threshold
            ):
                if event.subject == events.BACK_IN_STOCK:
                    event.message.channel_availability.extend(  # type: ignore[attr-defined]
                        events.channel_availability(total, policies)
                    )
                facts.append(event)
        facts += self.extra_events
        await outbox.add_many(self.session, [(e.subject, e.message, e.id) for e in facts])


def to_level(document: dict[str, Any]) -> Level:
    return Level(
        sku=document["sku"],
        location_id=document["location_id"],
        on_hand=document.get("on_hand", 0),
        reserved=document.get("reserved", 0),
        safety_stock=document.get("safety_stock", 0),
        damaged=document.get("damaged", 0),
        version=document.get("version", 0),
    )


def level_message(document: dict[str, Any]) -> inventory_pb2.StockLevel:
    return from_document(document, inventory_pb2.StockLevel)


async def total_available(
    collections: Collections, sku: str, session: AsyncClientSession | None = None
) -> int:
    inactive = set(await inactive_locations(collections, session))
    cursor = collections.stock.find(
        {"sku": sku}, {"available": 1, "location_id": 1}, session=session
    )
    return sum(
        [
            document.get("available", 0)
            async for document in cursor
            if document["location_id"] not in inactive
        ]
    )


async def inactive_locations(
    collections: Collections, session: AsyncClientSession | None = None
) -> list[str]:
    cursor = collections.locations.find({"active": {"$ne": True}}, {"_id": 1}, session=session)
    return [document["_id"] async for document in cursor]


async def load_policies(
    collections: Collections, session: AsyncClientSession | None = None
) -> Policies:
    found = []
    async for document in collections.policies.find({}, session=session):
        message = from_document(document, inventory_pb2.ChannelStockPolicy)
        found.append((message.channel, to_policy(message)))
    return found


def match_policy(policies: Policies, channel: common_pb2.ChannelRef) -> ChannelPolicy:
    """The channel's own policy (per partner), else its channel-wide one, else all stock."""
    wide = None
    for ref, policy in policies:
        if ref.channel == channel.channel and ref.partner_id == channel.partner_id:
            return policy
        if ref.channel == channel.channel and not ref.partner_id:
            wide = policy
    return wide or ChannelPolicy()


def to_policy(message: inventory_pb2.ChannelStockPolicy) -> ChannelPolicy:
    share = message.share_percent if message.HasField("share_percent") else 100
    return ChannelPolicy(share_percent=share, buffer_units=message.buffer_units)
