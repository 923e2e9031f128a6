"""Writes that span collections and events, shared by the gRPC API and the event consumers.

Each runs inside the caller's transaction (its `session`), so state and events commit together.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pymongo.asynchronous.client_session import AsyncClientSession

from omni_customer.domain import loyalty, timeline
from omni_customer.domain.profiles import Profile, touch
from omni_customer.domain.timeline import Entry, EntryType, ObjectRef
from omni_customer.domain.values import Actor, ChannelRef
from omni_customer.events import publish
from omni_customer.store import CustomerStore
from omni_kit.events import Outbox
from omni_kit.facts import Event


class Changes:
    def __init__(self, store: CustomerStore, outbox: Outbox) -> None:
        self.store = store
        self.outbox = outbox

    async def publish(self, events: Sequence[Event], session: AsyncClientSession) -> None:
        for event in events:
            await self.outbox.add(session, event.subject, event.message, event_id=event.id)

    async def save(
        self,
        profile: Profile,
        previous_version: int,
        events: Sequence[Event],
        session: AsyncClientSession,
    ) -> None:
        """Store the profile if it changed (its version moved), with its events."""
        if profile.version != previous_version:
            await self.store.profiles.save(profile, previous_version, session)
        await self.publish(events, session)

    async def add_entry(self, entry: Entry, session: AsyncClientSession) -> None:
        await self.store.timeline.insert(entry, session)
        await self.publish([publish.timeline_entry_added(entry)], session)

    async def profile_note(
        self,
        profile_id: str,
        summary: str,
        ref: ObjectRef | None,
        actor: Actor,
        now: datetime,
        session: AsyncClientSession,
        *,
        seed: str,
        channel: ChannelRef | None = None,
        entry_type: EntryType = EntryType.PROFILE,
    ) -> None:
        """A timeline entry about the profile itself (merge, consent, points)."""
        entry = Entry(
            id=timeline.entry_id(seed),
            profile_id=profile_id,
            type=entry_type,
            channel=channel,
            occurred_at=now,
            actor=actor,
            summary=summary,
            ref=ref,
            created_at=now,
        )
        await self.add_entry(entry, session)

    async def adjust_points(
        self,
        profile: Profile,
        delta: int,
        *,
        key: str,
        reason: str,
        order_id: str,
        actor: Actor,
        now: datetime,
        session: AsyncClientSession,
    ) -> list[Event]:
        """Apply a loyalty adjustment once per `key`: ledger record, balance, timeline entry."""
        balance = loyalty.adjust(profile, delta, now)
        touch(profile, now)
        await self.store.ledger.append(
            key,
            profile_id=profile.id,
            delta=delta,
            balance=balance,
            reason=reason,
            order_id=order_id,
            actor=actor,
            at=now,
            session=session,
        )
        sign = "+" if delta > 0 else ""
        await self.profile_note(
            profile.id,
            f"{sign}{delta} loyalty points: {reason} (balance {balance})",
            ObjectRef("order", order_id) if order_id else None,
            actor,
            now,
            session,
            seed=f"loyalty:{key}",
            entry_type=EntryType.LOYALTY,
        )
        return [publish.loyalty_adjusted(profile, delta, reason, order_id, actor)]
