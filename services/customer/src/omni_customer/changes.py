"""Writes that span collections and events, shared by the gRPC API and the event consumers.

Each runs inside the caller's transaction (its `session`), so state and events commit together.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TypeAlias

from pymongo.asynchronous.client_session import AsyncClientSession

from omni.common.v1 import common_pb2
from omni.customer.v1 import customer_pb2
from omni_customer.domain import loyalty, timeline
from omni_customer.domain.profiles import touch
from omni_customer.events import publish
from omni_customer.store import CustomerStore
from omni_kit.events import Outbox
from omni_kit.facts import Event
from omni_kit.protos import to_timestamp

EntryType: TypeAlias = customer_pb2.TimelineEntryType.ValueType


class Changes:
    def __init__(self, store: CustomerStore, outbox: Outbox) -> None:
        self.store = store
        self.outbox = outbox

    async def publish(self, events: Sequence[Event], session: AsyncClientSession) -> None:
        for event in events:
            await self.outbox.add(session, event.subject, event.message, event_id=event.id)

    async def save(
        self,
        profile: customer_pb2.Profile,
        previous_version: int,
        events: Sequence[Event],
        session: AsyncClientSession,
    ) -> None:
        """Store the profile if it changed (its version moved), with its events."""
        if profile.version != previous_version:
            await self.store.profiles.save(profile, previous_version, session)
        await self.publish(events, session)

    async def add_entry(
        self, entry: customer_pb2.TimelineEntry, session: AsyncClientSession
    ) -> None:
        await self.store.timeline.insert(entry, session)
        await self.publish([publish.timeline_entry_added(entry)], session)

    async def profile_note(
        self,
        profile_id: str,
        summary: str,
        ref: customer_pb2.ObjectRef | None,
        actor: common_pb2.Actor,
        now: datetime,
        session: AsyncClientSession,
        *,
        seed: str,
        channel: common_pb2.ChannelRef | None = None,
        entry_type: EntryType = customer_pb2.TIMELINE_ENTRY_TYPE_PROFILE,
    ) -> None:
        """A timeline entry about the profile itself (merge, consent, points)."""
        entry = customer_pb2.TimelineEntry(
            id=timeline.entry_id(seed),
            profile_id=profile_id,
            type=entry_type,
            channel=channel,
            occurred_at=to_timestamp(now),
            actor=actor,
            summary=summary,
            ref=ref,
            created_at=to_timestamp(now),
        )
        await self.add_entry(entry, session)

    async def adjust_points(
        self,
        profile: customer_pb2.Profile,
        delta: int,
        *,
        key: str,
        reason: str,
        order_id: str,
        actor: common_pb2.Actor,
        now: datetime,
        session: AsyncClientSession,
    ) -> list[Event]:
        """Apply a loyalty adjustment once per `key`: ledger record, balance, timeline entry."""
        balance = loyalty.adjust(profile, delta, now)
        touch(profile, now)
        record = {
            "profile_id": profile.id,
            "delta": delta,
            "balance": balance,
            "reason": reason,
            "order_id": order_id,
            "actor": {"kind": common_pb2.ActorKind.Name(actor.kind), "id": actor.id},
            "at": now,
        }
        await self.store.ledger.append(key, record, session)
        sign = "+" if delta > 0 else ""
        await self.profile_note(
            profile.id,
            f"{sign}{delta} loyalty points: {reason} (balance {balance})",
            customer_pb2.ObjectRef(kind="order", id=order_id) if order_id else None,
            actor,
            now,
            session,
            seed=f"loyalty:{key}",
            entry_type=customer_pb2.TIMELINE_ENTRY_TYPE_LOYALTY,
        )
        return [publish.loyalty_adjusted(profile, delta, reason, order_id, actor)]
