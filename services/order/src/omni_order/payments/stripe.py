"""Stripe: PaymentIntents (capture_method=manual, then capture, cancel; refunds), form-encoded
bodies, an Idempotency-Key on every change, and webhooks signed in Stripe-Signature
(t=...,v1=HMAC-SHA256("{t}.{raw body}"), 300 s tolerance)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any

from omni_kit.outbound import OutboundClient, Reply
from omni_order.domain.values import Money
from omni_order.payments.http import ProviderHttp, json_body
from omni_order.payments.provider import (
    Callback,
    CallbackAnswer,
    CallbackEvent,
    CallbackIgnored,
    CallbackRefused,
    Capabilities,
    Initiation,
    NextAction,
    PaymentRequest,
    PaymentResult,
    PaymentState,
    ProviderStatus,
)

STATES = {
    "requires_payment_method": PaymentState.PENDING,
    "requires_confirmation": PaymentState.PENDING,
    "processing": PaymentState.PENDING,
    "requires_action": PaymentState.ACTION_REQUIRED,
    "requires_capture": PaymentState.AUTHORIZED,
    "succeeded": PaymentState.CAPTURED,
    "canceled": PaymentState.CANCELLED,
}
DECLINED = "the card was declined"
OK = CallbackAnswer(200, "application/json", b'{"received": true}')


class StripeProvider:
    name = "stripe"
    capabilities = Capabilities(
        manual_capture=True, partial_capture=True, void=True, refund=True, partial_refund=True
    )
    needs_token = True

    def __init__(
        self,
        client: OutboundClient,
        *,
        api_base: str,
        secret_key: str,
        webhook_secret: str,
        tolerance_seconds: float = 300.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.http = ProviderHttp(client, self.name, api_base)
        self.secret_key = secret_key
        self.webhook_secret = webhook_secret.encode()
        self.tolerance = tolerance_seconds
        self.clock = clock

    async def _post(self, path: str, form: dict[str, str], key: str) -> Reply:
        headers = {"Authorization": f"Bearer {self.secret_key}", "Idempotency-Key": key}
        return await self.http.call("POST", path, data=form, headers=headers)

    async def initiate(self, request: PaymentRequest) -> Initiation:
        form = {
            "amount": str(request.amount.amount_minor),
            "currency": request.amount.currency_code.lower(),
            "capture_method": "manual" if request.manual_capture else "automatic",
            "payment_method": request.token,
            "confirm": "true",
            "return_url": request.return_url,
            "description": request.description,
            "metadata[order_id]": request.order_id,
            "metadata[payment_key]": request.key,
        }
        reply = await self._post("/v1/payment_intents", form, request.key)
        body = json_body(reply)
        intent = body.get("payment_intent") if "error" in body else body
        if not reply.ok and not intent:
            self.http.refused("/v1/payment_intents", reply)
            return Initiation(PaymentState.FAILED, reason=DECLINED)
        status = _status(intent or {})
        if status.state == PaymentState.PENDING and "error" in body:
            self.http.refused("/v1/payment_intents", reply)
            return Initiation(PaymentState.FAILED, status.reference, reason=DECLINED)
        return Initiation(status.state, status.reference, status.next_action)

    async def capture(self, key: str, amount: Money, *, reference: str = "") -> PaymentResult:
        path = f"/v1/payment_intents/{reference}/capture"
        reply = await self._post(
            path, {"amount_to_capture": str(amount.amount_minor)}, f"{key}-capture"
        )
        if not reply.ok:
            self.http.refused(path, reply)
            return PaymentResult(approved=False, reason="the capture was refused")
        return PaymentResult(approved=True, reference=reference)

    async def void(self, key: str, *, reference: str = "") -> None:
        if not reference:
            return  # nothing was created at Stripe under this payment
        path = f"/v1/payment_intents/{reference}/cancel"
        reply = await self._post(path, {}, f"{key}-cancel")
        if not reply.ok:  # already canceled or captured: nothing left to release
            self.http.refused(path, reply)

    async def refund(
        self, key: str, refund_key: str, amount: Money, *, reference: str = ""
    ) -> PaymentResult:
        form = {"payment_intent": reference, "amount": str(amount.amount_minor)}
        reply = await self._post("/v1/refunds", form, refund_key)
        body = json_body(reply)
        if not reply.ok or body.get("status") not in ("succeeded", "pending"):
            self.http.refused("/v1/refunds", reply)
            return PaymentResult(approved=False, reason="the refund was refused")
        return PaymentResult(approved=True, reference=str(body.get("id", "")))

    async def status(self, key: str, *, reference: str = "") -> ProviderStatus:
        if not reference:
            return ProviderStatus(PaymentState.PENDING)
        path = f"/v1/payment_intents/{reference}"
        reply = await self.http.call(
            "GET", path, headers={"Authorization": f"Bearer {self.secret_key}"}
        )
        if not reply.ok:
            self.http.refused(path, reply)
            return ProviderStatus(PaymentState.PENDING, reference)
        return _status(json_body(reply))

    async def handle_callback(self, callback: Callback) -> CallbackEvent:
        self._verify(callback.headers.get("stripe-signature", ""), callback.body)
        try:
            event = json.loads(callback.body)
            intent = event["data"]["object"]
            event_type = str(event["type"])
        except (ValueError, KeyError, TypeError):
            raise CallbackRefused("not a Stripe event", "CALLBACK_MALFORMED") from None
        if intent.get("object") != "payment_intent":
            raise CallbackIgnored(f"Stripe event {event_type} is not about a payment intent", OK)
        status = _status(intent)
        state = (
            PaymentState.FAILED if event_type == "payment_intent.payment_failed" else status.state
        )
        return CallbackEvent(
            event_type=event_type,
            state=state,
            key=str(intent.get("metadata", {}).get("payment_key", "")),
            reference=status.reference,
            amount=status.amount,
            answer=OK,
        )

    def _verify(self, header: str, body: bytes) -> None:
        parts = [item.split("=", 1) for item in header.split(",") if "=" in item]
        stamps = [value for name, value in parts if name == "t"]
        signatures = [value for name, value in parts if name == "v1"]
        if not stamps or not signatures or not stamps[0].isdigit():
            raise CallbackRefused("Stripe-Signature is missing or has no t= and v1=")
        signed = stamps[0].encode() + b"." + body
        expected = hmac.new(self.webhook_secret, signed, hashlib.sha256).hexdigest()
        if not any(hmac.compare_digest(expected, given) for given in signatures):
            raise CallbackRefused("the Stripe signature does not match the body")
        if abs(self.clock() - int(stamps[0])) > self.tolerance:
            raise CallbackRefused(
                "the Stripe signature's time is outside the tolerance (a replay)",
                "CALLBACK_REPLAYED",
            )


def _status(intent: dict[str, Any]) -> ProviderStatus:
    state = STATES.get(str(intent.get("status", "")), PaymentState.PENDING)
    if state == PaymentState.PENDING and intent.get("last_payment_error"):
        state = PaymentState.FAILED
    action = None
    redirect = (intent.get("next_action") or {}).get("redirect_to_url")
    if state == PaymentState.ACTION_REQUIRED and redirect:
        action = NextAction("redirect", url=str(redirect["url"]))
    elif state == PaymentState.ACTION_REQUIRED:
        action = NextAction("client_secret", client_secret=str(intent.get("client_secret", "")))
    amount = None
    if "amount" in intent and "currency" in intent:
        amount = Money(
            amount_minor=int(intent["amount"]), currency_code=str(intent["currency"]).upper()
        )
    return ProviderStatus(state, str(intent.get("id", "")), amount, action)
