"""Payment providers. The test provider decides by the token, like a card network's test cards:
`tok_decline...` is declined, `tok_timeout...` never answers, anything else is approved."""

from __future__ import annotations

import asyncio

from omni.common.v1 import common_pb2
from omni_order.ports import PaymentResult

DECLINE_PREFIX = "tok_decline"
TIMEOUT_PREFIX = "tok_timeout"


class TestPaymentProvider:
    """Deterministic per key, so a retried or resumed call gets the same answer (idempotent)."""

    __test__ = False  # not a pytest test class
    name = "test"

    def __init__(self, hang_seconds: float = 3600.0) -> None:
        self.hang_seconds = hang_seconds
        self.voided: set[str] = set()

    async def authorize(self, key: str, amount: common_pb2.Money, token: str) -> PaymentResult:
        if token.startswith(DECLINE_PREFIX):
            return PaymentResult(approved=False, reason="card declined by the issuer")
        if token.startswith(TIMEOUT_PREFIX):
            await asyncio.sleep(self.hang_seconds)
        return PaymentResult(approved=True, reference=f"test_auth_{key}")

    async def void(self, key: str) -> None:
        self.voided.add(key)

    async def refund(self, key: str, amount: common_pb2.Money) -> PaymentResult:
        return PaymentResult(approved=True, reference=f"test_refund_{key}")
