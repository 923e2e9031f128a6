"""The test payment provider (dev and test environments only; production refuses it).

It decides by the token, like a card network's test cards: `tok_decline...` is
declined, `tok_timeout...` is authorized but the answer comes too late, `tok_unavailable...`
cannot be reached (the saga retries, then gives up), anything else is approved.

It keeps its own ledger in the order service's store, collection `test_provider_payments`, one
document per payment key: what a real provider's dashboard shows. Each operation happens at
most once per key (`authorize`, `capture`, `void`; each refund once per refund key); the same
call again answers what the first one did and is counted in the entry's `repeats`. Tests read
the ledger to see what the provider saw, not what the order says it did.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from omni_kit.errors import Unavailable
from omni_kit.ids import utcnow
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

DECLINE_PREFIX = "tok_decline"
TIMEOUT_PREFIX = "tok_timeout"
UNAVAILABLE_PREFIX = "tok_unavailable"
LEDGER = "test_provider_payments"


class TestPaymentProvider:
    """Deterministic per key, so a retried or resumed call gets the same answer (idempotent)."""

    __test__ = False  # not a pytest test class
    name = "test"
    capabilities = Capabilities(
        manual_capture=True, partial_capture=True, void=True, refund=True, partial_refund=True
    )
    needs_token = True

    def __init__(
        self,
        ledger: AsyncCollection[dict[str, Any]],
        hang_seconds: float = 3600.0,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.ledger = ledger
        self.hang_seconds = hang_seconds
        self.clock = clock

    async def initiate(self, request: PaymentRequest) -> Initiation:
        result = await self.authorize(request.key, request.amount, request.token)
        if not result.approved:
            return Initiation(PaymentState.FAILED, reason=result.reason)
        return Initiation(PaymentState.AUTHORIZED, reference=result.reference)

    async def status(self, key: str, *, reference: str = "") -> ProviderStatus:
        payment = await self.ledger.find_one({"_id": key}) or {}
        authorized = _authorized(payment)
        if authorized is None:
            failed = "authorize" in payment
            return ProviderStatus(PaymentState.FAILED if failed else PaymentState.PENDING)
        if "void" in payment and "capture" not in payment:
            return ProviderStatus(PaymentState.CANCELLED, authorized["reference"])
        state = PaymentState.CAPTURED if "capture" in payment else PaymentState.AUTHORIZED
        return ProviderStatus(state, authorized["reference"])

    async def handle_callback(self, callback: Callback) -> CallbackEvent:
        raise CallbackRefused("the test provider sends no callbacks", "CALLBACK_NOT_EXPECTED")

    async def authorize(self, key: str, amount: Money, token: str) -> PaymentResult:
        if token.startswith(UNAVAILABLE_PREFIX):
            raise Unavailable("the payment provider is not reachable right now; try again shortly")
        if token.startswith(DECLINE_PREFIX):
            answer = PaymentResult(approved=False, reason="card declined by the issuer")
        else:
            answer = PaymentResult(approved=True, reference=f"test_auth_{key}")
        entry = await self._once(key, "authorize", _money(amount) | _result(answer))
        if token.startswith(TIMEOUT_PREFIX):
            await asyncio.sleep(self.hang_seconds)  # it acted; the answer is what gets lost
        return _answer(entry)

    async def capture(self, key: str, amount: Money, *, reference: str = "") -> PaymentResult:
        payment = await self.ledger.find_one({"_id": key}) or {}
        refusal = _capture_refusal(payment, amount)
        answer = (
            PaymentResult(approved=False, reason=refusal)
            if refusal
            else PaymentResult(approved=True, reference=f"test_capture_{key}")
        )
        return _answer(await self._once(key, "capture", _money(amount) | _result(answer)))

    async def void(self, key: str, *, reference: str = "") -> None:
        payment = await self.ledger.find_one({"_id": key}) or {}
        authorized = bool(payment.get("authorize", {}).get("approved"))
        await self._once(key, "void", {"had_authorization": authorized})

    async def refund(
        self, key: str, refund_key: str, amount: Money, *, reference: str = ""
    ) -> PaymentResult:
        payment = await self.ledger.find_one({"_id": key}) or {}
        refusal = _refund_refusal(payment, refund_key, amount)
        answer = (
            PaymentResult(approved=False, reason=refusal)
            if refusal
            else PaymentResult(approved=True, reference=f"test_refund_{refund_key}")
        )
        entry = {"key": refund_key, **_money(amount), **_result(answer)}
        return _answer(await self._once_in_list(key, "refunds", entry))

    async def _once(self, key: str, operation: str, fields: dict[str, Any]) -> dict[str, Any]:
        """Record `operation` on the payment unless it was done already; the entry on record."""
        now = self.clock()
        try:
            document = await self.ledger.find_one_and_update(
                {"_id": key, operation: {"$exists": False}},
                {
                    "$set": {operation: fields | {"at": now, "repeats": 0}},
                    "$setOnInsert": {"provider": self.name},
                },
                upsert=True,
                return_document=ReturnDocument.AFTER,
            )
        except DuplicateKeyError:  # done before: the document exists but did not match
            document = await self.ledger.find_one_and_update(
                {"_id": key},
                {"$inc": {f"{operation}.repeats": 1}, "$set": {f"{operation}.repeated_at": now}},
                return_document=ReturnDocument.AFTER,
            )
        assert document is not None
        entry: dict[str, Any] = document[operation]
        return entry

    async def _once_in_list(
        self, key: str, operation: str, entry: dict[str, Any]
    ) -> dict[str, Any]:
        """Like _once, for operations done many times per payment, once per entry["key"]."""
        now = self.clock()
        try:
            await self.ledger.update_one(
                {"_id": key, f"{operation}.key": {"$ne": entry["key"]}},
                {
                    "$push": {operation: entry | {"at": now, "repeats": 0}},
                    "$setOnInsert": {"provider": self.name},
                },
                upsert=True,
            )
        except DuplicateKeyError:  # done before: the document holds this key already
            await self.ledger.update_one(
                {"_id": key, f"{operation}.key": entry["key"]},
                {
                    "$inc": {f"{operation}.$.repeats": 1},
                    "$set": {f"{operation}.$.repeated_at": now},
                },
            )
        document = await self.ledger.find_one({"_id": key}) or {}
        return next(e for e in document.get(operation, []) if e["key"] == entry["key"])


def _money(amount: Money) -> dict[str, Any]:
    return {"amount_minor": amount.amount_minor, "currency_code": amount.currency_code}


def _result(answer: PaymentResult) -> dict[str, Any]:
    return {"approved": answer.approved, "reference": answer.reference, "reason": answer.reason}


def _answer(entry: dict[str, Any]) -> PaymentResult:
    return PaymentResult(
        approved=entry["approved"], reference=entry["reference"], reason=entry["reason"]
    )


def _authorized(payment: dict[str, Any]) -> dict[str, Any] | None:
    authorized = payment.get("authorize")
    return authorized if authorized and authorized["approved"] else None


def _capture_refusal(payment: dict[str, Any], amount: Money) -> str:
    authorized = _authorized(payment)
    if authorized is None:
        return "nothing was authorized under this payment"
    if "void" in payment:
        return "the authorization was voided"
    if amount.amount_minor > authorized["amount_minor"]:
        return "more than was authorized"
    return ""


def _refund_refusal(payment: dict[str, Any], refund_key: str, amount: Money) -> str:
    authorized = _authorized(payment)
    if authorized is None:
        return "nothing was paid under this payment"
    if "void" in payment and "capture" not in payment:
        return "the authorization was voided; there is nothing to refund"
    paid = payment.get("capture", authorized)["amount_minor"]
    refunded = sum(
        r["amount_minor"]
        for r in payment.get("refunds", [])
        if r["approved"] and r["key"] != refund_key
    )
    if refunded + amount.amount_minor > paid:
        return f"only {paid - refunded} minor units are left to refund"
    return ""
