"""How long a saga keeps retrying a step a service cannot do now, and what it says when it
gives up."""

from __future__ import annotations

from dataclasses import dataclass, field

from omni_kit.events.backoff import Backoff
from omni_order.domain.orders import SagaStep

DOING = {
    SagaStep.RESERVE_STOCK: "reserving its stock",
    SagaStep.AUTHORIZE_PAYMENT: "authorizing its payment",
    SagaStep.CONFIRM_ORDER: "confirming it",
}


@dataclass(frozen=True)
class RetryBound:
    """How long a saga keeps retrying steps a service cannot do now before it gives up."""

    max_attempts: int = 12
    max_seconds: float = 600.0
    backoff: Backoff = field(default_factory=lambda: Backoff(first=1.0, maximum=60.0))

    def exhausted(self, attempts: int, elapsed: float) -> bool:
        """Whether `attempts` failed attempts, the first `elapsed` seconds ago, are enough."""
        return attempts >= self.max_attempts or elapsed >= self.max_seconds

    def delay(self, attempts: int, spread: float) -> float:
        """Seconds to wait after `attempts` failed attempts: the backoff's delay, half of it
        fixed and half scaled by `spread` (0..1, random), so orders hit by one outage do not all
        come back at the same moment."""
        full = self.backoff.delay(attempts - 1)
        return full / 2 + full / 2 * spread


def gave_up_reason(step: SagaStep, attempts: int, elapsed: float, error: str) -> str:
    return (
        f"the order could not be placed: {DOING.get(step, 'placing it')} failed {attempts} times "
        f"over {_duration(elapsed)} ({error}); its stock was released and any card "
        "authorization voided, so it can be placed again"
    )


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
