"""Cash on delivery and pay in store: providers with nothing to call. The payment stays pending
until the courier or the till records it (lifecycle.collect); money back is a staff task."""

from __future__ import annotations

from omni_order.domain.values import Money
from omni_order.payments.provider import (
    Callback,
    CallbackEvent,
    CallbackRefused,
    Capabilities,
    Initiation,
    PaymentRequest,
    PaymentResult,
    PaymentState,
    ProviderStatus,
)


class OfflinePayment:
    capabilities = Capabilities(
        manual_capture=True,
        partial_capture=True,
        void=True,
        refund=False,
        partial_refund=False,
        offline=True,
    )
    needs_token = False

    def __init__(self, name: str) -> None:
        self.name = name

    async def initiate(self, request: PaymentRequest) -> Initiation:
        return Initiation(PaymentState.PENDING)

    async def capture(self, key: str, amount: Money, *, reference: str = "") -> PaymentResult:
        return PaymentResult(approved=True)

    async def void(self, key: str, *, reference: str = "") -> None:
        return None

    async def refund(
        self, key: str, refund_key: str, amount: Money, *, reference: str = ""
    ) -> PaymentResult:
        return PaymentResult(approved=False, reason="cash is given back in person")

    async def status(self, key: str, *, reference: str = "") -> ProviderStatus:
        return ProviderStatus(PaymentState.PENDING)

    async def handle_callback(self, callback: Callback) -> CallbackEvent:
        raise CallbackRefused(f"{self.name} sends no callbacks", "CALLBACK_NOT_EXPECTED")
