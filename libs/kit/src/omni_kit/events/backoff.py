"""Exponential backoff, shared by reconnects, the outbox relay and consumer retries."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    first: float = 0.5
    factor: float = 2.0
    maximum: float = 30.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait before retry number `attempt` (0 for the first retry)."""
        return min(self.maximum, self.first * self.factor ** max(0, attempt))
