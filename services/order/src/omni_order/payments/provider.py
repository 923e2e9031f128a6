"""The payment provider interface: what a provider can do (capabilities), the calls the order
service makes, and a provider's answers in one vocabulary whatever the provider calls them.

Every call names the payment by its key (the order's payment id), which is also the idempotency
key the provider sees: the same call again does nothing twice and answers the same. Calls after
initiate also carry the provider's reference for the payment. A provider that cannot be reached
raises omni_kit.errors.Unavailable (the caller retries with the same key); a provider's own
error text goes to the log, never to the customer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from omni_order.domain.values import Money


class PaymentState(StrEnum):
    """A payment's state at the provider, normalised."""

    PENDING = "pending"
    ACTION_REQUIRED = "action_required"
    AUTHORIZED = "authorized"
    CAPTURED = "captured"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"
    CANCELLED = "cancelled"
    FAILED = "failed"


SETTLED = {PaymentState.AUTHORIZED, PaymentState.CAPTURED}
ENDED = {PaymentState.CANCELLED, PaymentState.FAILED}


@dataclass(frozen=True)
class Capabilities:
    manual_capture: bool
    partial_capture: bool
    void: bool
    refund: bool
    partial_refund: bool
    # Paid at handover (cash on delivery, pay in store): the courier or the till records it.
    offline: bool = False


@dataclass(frozen=True)
class NextAction:
    """What the customer must do at the provider: follow a redirect (submit `form_fields` to
    `url` with `http_method` when there are any), or let the provider's client library finish
    the payment with `client_secret`."""

    kind: str  # "redirect" or "client_secret"
    url: str = ""
    http_method: str = "GET"
    form_fields: Mapping[str, str] = field(default_factory=dict)
    client_secret: str = ""


@dataclass(frozen=True)
class PaymentRequest:
    key: str
    order_id: str
    order_number: str
    amount: Money
    # True: authorize now, capture at fulfilment or pickup; False: charge at once.
    manual_capture: bool
    return_url: str
    notify_url: str
    # The provider's payment method token, for providers that take one (Stripe, the test one).
    token: str = ""
    description: str = ""


@dataclass(frozen=True)
class Initiation:
    state: PaymentState
    reference: str = ""
    next_action: NextAction | None = None
    # For the log and a declined payment's failure reason: never the provider's own words.
    reason: str = ""


@dataclass(frozen=True)
class PaymentResult:
    approved: bool
    reference: str = ""
    reason: str = ""


@dataclass(frozen=True)
class ProviderStatus:
    state: PaymentState
    reference: str = ""
    amount: Money | None = None
    next_action: NextAction | None = None
    # Why it failed, in our words (a declined payment's failure reason).
    reason: str = ""


@dataclass(frozen=True)
class Callback:
    """A provider's callback as the gateway received it; header names in lower case."""

    http_method: str
    headers: Mapping[str, str]
    query: str
    body: bytes


@dataclass(frozen=True)
class CallbackAnswer:
    http_status: int = 200
    content_type: str = "text/plain"
    body: bytes = b""


@dataclass(frozen=True)
class CallbackEvent:
    """A verified callback: which payment (by our key, or by the provider's reference when the
    provider does not echo our key), what happened, the amount it speaks of (when it names one)
    and the answer the provider expects."""

    event_type: str
    state: PaymentState
    key: str = ""
    reference: str = ""
    amount: Money | None = None
    answer: CallbackAnswer = field(default_factory=CallbackAnswer)

    @property
    def dedupe_id(self) -> str:
        return f"{self.reference or self.key}:{self.event_type}"


class CallbackRefused(Exception):
    """A callback that must change nothing: a wrong signature, a body that is not the
    provider's. `reason` is an UPPER_SNAKE_CASE code."""

    def __init__(self, message: str, reason: str = "CALLBACK_SIGNATURE_INVALID") -> None:
        super().__init__(message)
        self.reason = reason


class CallbackIgnored(Exception):
    """A genuine callback about nothing the platform follows (another kind of event): answered
    as the provider expects, so it does not send it again, and nothing changes."""

    def __init__(self, message: str, answer: CallbackAnswer) -> None:
        super().__init__(message)
        self.answer = answer


class PaymentProvider(Protocol):
    name: str
    capabilities: Capabilities
    # Whether checkout must carry the provider's payment method token.
    needs_token: bool

    async def initiate(self, request: PaymentRequest) -> Initiation: ...

    async def capture(self, key: str, amount: Money, *, reference: str = "") -> PaymentResult: ...

    async def void(self, key: str, *, reference: str = "") -> None:
        """Cancel the authorization under `key`, if there is one (safe when there is none)."""
        ...

    async def refund(
        self, key: str, refund_key: str, amount: Money, *, reference: str = ""
    ) -> PaymentResult:
        """Give back part of the money captured under `key`; once per `refund_key`."""
        ...

    async def status(self, key: str, *, reference: str = "") -> ProviderStatus: ...

    async def handle_callback(self, callback: Callback) -> CallbackEvent:
        """Verify and read a callback (CallbackRefused when it is not the provider's)."""
        ...
