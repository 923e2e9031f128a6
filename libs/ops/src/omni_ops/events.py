"""`omni events`: dead letters listed and replayed, outbox rows republished, with the kit's own
code (omni_kit.events.deadletter, OutboxRelay.republish_since)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from nats.js.errors import NotFoundError

from omni_kit.events import EventBus, OutboxRelay
from omni_kit.events.deadletter import DeadLetter, dead_letter, dead_letters, replay
from omni_kit.store import mongo_client
from omni_ops import targets


class OpsError(Exception):
    """What the operator asked for cannot be done; the message says why."""


@asynccontextmanager
async def connected_bus(url: str) -> AsyncIterator[EventBus]:
    bus = EventBus(url, service_name="omni-cli", connect_wait=5.0)
    await bus.connect()
    try:
        yield bus
    finally:
        await bus.close()


def letter_row(letter: DeadLetter) -> dict[str, Any]:
    return {
        "sequence": letter.sequence,
        "consumer": letter.consumer,
        "subject": letter.subject,
        "event_id": letter.event_id,
        "event_type": letter.event_type,
        "deliveries": letter.deliveries,
        "parked_at": letter.parked_at.isoformat() if letter.parked_at else None,
        "error": letter.error,
    }


async def list_dead_letters(
    nats_url: str, consumer: str | None, limit: int | None
) -> list[dict[str, Any]]:
    async with connected_bus(nats_url) as bus:
        return [letter_row(d) for d in await dead_letters(bus.js, consumer, limit)]


async def replay_dead_letters(
    nats_url: str, sequences: Sequence[int], consumer: str | None
) -> list[dict[str, Any]]:
    """Replay the dead letters with these OMNI_DLQ sequences, or (none given) every one waiting
    (of `consumer`, when named). Unknown sequences are refused before anything is replayed."""
    async with connected_bus(nats_url) as bus:
        if sequences:
            letters = []
            for sequence in sequences:
                try:
                    letter = await dead_letter(bus.js, sequence)
                except NotFoundError:
                    raise OpsError(f"no dead letter with sequence {sequence} in OMNI_DLQ") from None
                if consumer and letter.consumer != consumer:
                    raise OpsError(
                        f"dead letter {sequence} belongs to consumer {letter.consumer}, "
                        f"not {consumer}"
                    )
                letters.append(letter)
        else:
            letters = await dead_letters(bus.js, consumer)
        for letter in letters:
            await replay(bus, letter)
        return [letter_row(d) for d in letters]


async def republish_outbox(
    nats_url: str, services: Sequence[str], since: datetime
) -> list[dict[str, Any]]:
    """Each service's outbox rows written since `since`, published again in order."""
    results = []
    async with connected_bus(nats_url) as bus:
        for service in services:
            client = mongo_client(targets.mongo_uri(service), app_name="omni-cli")
            try:
                db = client[targets.mongo_database(service)]
                published, copies = await OutboxRelay(db, bus, service).republish_since(since)
            finally:
                await client.close()
            results.append(
                {
                    "service": service,
                    "since": since.isoformat(),
                    "published": published,
                    "already_in_stream": copies,
                }
            )
    return results
