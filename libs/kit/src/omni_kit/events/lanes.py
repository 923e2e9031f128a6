"""Per-aggregate order for a consumer, kept while a failed event waits for its retry."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable

from nats.aio.msg import Msg

from omni_kit.events.names import AGGREGATE

# A held event handed back at shutdown comes due this long after what it waits for.
HAND_BACK_AFTER = 1.0


def aggregate(message: Msg) -> str:
    return (message.headers or {}).get(AGGREGATE, "")


def sequence(message: Msg) -> int:
    return message.metadata.sequence.stream


class Lanes:
    """One consumer process's view of which events must wait for an earlier one.

    An event that failed here and was nak'ed for a retry is *pending* until it is settled (handled,
    or parked on the dead-letter stream). A later event of the same aggregate (higher stream
    sequence) is *held*: kept here and in progress, neither handled nor redelivered, and put back
    in its lane, in stream order, with every batch until nothing earlier of its aggregate is
    pending. Events without an aggregate header promise no order: they share one lane per batch,
    as before, and a failure holds nothing back. Held events are not nak'ed while the consumer
    runs, so waiting does not use up their deliveries.
    """

    def __init__(self) -> None:
        self._pending: dict[str, dict[int, float]] = {}  # aggregate -> stream seq -> retry due
        self._held: dict[str, list[Msg]] = {}

    def split(self, messages: Iterable[Msg]) -> list[tuple[str, list[Msg]]]:
        """One lane per aggregate, in stream order: the held events and this batch's."""
        lanes: dict[str, dict[int, Msg]] = {}
        held, self._held = self._held, {}
        # A held event redelivered meanwhile (its keepalive lost) appears once: the newer copy.
        for message in itertools.chain(*held.values(), messages):
            lanes.setdefault(aggregate(message), {})[sequence(message)] = message
        return [(key, [lane[seq] for seq in sorted(lane)]) for key, lane in lanes.items()]

    def waits(self, key: str, seq: int) -> bool:
        return any(pending < seq for pending in self._pending.get(key, ()))

    def hold(self, key: str, messages: list[Msg]) -> None:
        self._held[key] = messages

    def failed(self, key: str, seq: int, retry_in: float) -> None:
        if key:
            self._pending.setdefault(key, {})[seq] = time.monotonic() + retry_in

    def settled(self, key: str, seq: int) -> None:
        pending = self._pending.get(key, {})
        pending.pop(seq, None)
        if not pending:
            self._pending.pop(key, None)

    def settled_up_to(self, ack_floor: int) -> None:
        """Everything up to the consumer's ack floor is acked or parked, perhaps by a replica."""
        for key, pending in list(self._pending.items()):
            for seq in [seq for seq in pending if seq <= ack_floor]:
                self.settled(key, seq)

    def hand_back(self) -> list[tuple[Msg, float]]:
        """The held events, each with a nak delay that brings it back just after the retry of
        what it waits for."""
        now, held, self._held = time.monotonic(), self._held, {}
        returned = []
        for key, messages in held.items():
            due = max(self._pending.get(key, {}).values(), default=now)
            returned += [(message, max(due - now, 0.0) + HAND_BACK_AFTER) for message in messages]
        return returned
