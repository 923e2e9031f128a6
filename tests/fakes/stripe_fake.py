"""A stateful Stripe: PaymentIntents (manual or automatic capture, 3-D Secure by redirect,
capture, cancel), refunds, Idempotency-Key replay (another request under a used key is an
error), secret-key auth, and webhooks signed like Stripe's (Stripe-Signature t=,v1=)."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from typing import Any
from urllib.parse import quote

from fakes.fake_http import Answer, FakeProvider, Outgoing, Request

DECLINED_CARD = "pm_card_chargeDeclined"
THREE_D_SECURE_CARD = "pm_card_threeDSecureRequired"


def signature_header(secret: str, body: bytes, at: int | None = None) -> str:
    stamp = int(time.time()) if at is None else at
    digest = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={stamp},v1={digest}"


class FakeStripe(FakeProvider):
    def __init__(self, secret_key: str, webhook_secret: str) -> None:
        super().__init__()
        self.secret_key = secret_key
        self.webhook_secret = webhook_secret
        self.webhook_url = ""
        self.ids = itertools.count(1)
        self.idempotent: dict[str, tuple[str, Answer]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}

    def handle(self, request: Request) -> Answer:
        if request.path.startswith("/3ds/"):
            return self._authenticate(request.path.removeprefix("/3ds/"), request.query)
        if request.headers.get("authorization") != f"Bearer {self.secret_key}":
            return _error(401, "invalid_request_error", "Invalid API Key provided")
        if request.method == "GET":
            with self.lock:
                intent = self.payments.get(request.path.removeprefix("/v1/payment_intents/"))
            return (
                Answer.json(intent)
                if intent
                else _error(404, "invalid_request_error", "No such payment_intent")
            )
        key = request.headers.get("idempotency-key", "")
        fingerprint = f"{request.path}?{request.body.decode()}"
        with self.lock:
            if key in self.idempotent:
                first, answer = self.idempotent[key]
                if first != fingerprint:
                    return _error(
                        400,
                        "idempotency_error",
                        "Keys for idempotent requests can only be used with the same parameters "
                        "they were first used with.",
                    )
                return answer
            answer = self._change(request.path, request.form())
            if key:
                self.idempotent[key] = (fingerprint, answer)
            return answer

    def _change(self, path: str, form: dict[str, str]) -> Answer:
        if path == "/v1/payment_intents":
            return self._create(form)
        if path == "/v1/refunds":
            return self._refund(form)
        pi_id, _, verb = path.removeprefix("/v1/payment_intents/").partition("/")
        intent = self.payments.get(pi_id)
        if intent is None:
            return _error(404, "invalid_request_error", f"No such payment_intent: '{pi_id}'")
        if verb == "capture":
            return self._capture(intent, form)
        if verb == "cancel":
            return self._cancel(intent)
        return _error(404, "invalid_request_error", "Unrecognized request URL")

    def _create(self, form: dict[str, str]) -> Answer:
        try:
            amount = int(form["amount"])
        except (KeyError, ValueError):
            return _error(400, "invalid_request_error", "Missing required param: amount.")
        pi_id = f"pi_fake{next(self.ids)}"
        intent: dict[str, Any] = {
            "id": pi_id,
            "object": "payment_intent",
            "amount": amount,
            "amount_capturable": 0,
            "amount_received": 0,
            "amount_refunded": 0,
            "currency": form.get("currency", ""),
            "capture_method": form.get("capture_method", "automatic"),
            "client_secret": f"{pi_id}_secret_fake",
            "metadata": {
                k.removeprefix("metadata[").removesuffix("]"): v
                for k, v in form.items()
                if k.startswith("metadata[")
            },
            "payment_method": form.get("payment_method", ""),
            "return_url": form.get("return_url", ""),
            "next_action": None,
            "last_payment_error": None,
            "status": "requires_confirmation",
        }
        self.payments[pi_id] = intent
        card = form.get("payment_method", "")
        if card == DECLINED_CARD or self.take_decline():
            intent["status"] = "requires_payment_method"
            intent["last_payment_error"] = {"type": "card_error", "code": "card_declined"}
            self._event("payment_intent.payment_failed", intent)
            return Answer.json(
                {
                    "error": {
                        "type": "card_error",
                        "code": "card_declined",
                        "decline_code": "generic_decline",
                        "message": "Your card was declined.",
                        "payment_intent": intent,
                    }
                },
                402,
            )
        if card == THREE_D_SECURE_CARD or self.take_action():
            intent["status"] = "requires_action"
            intent["next_action"] = {
                "type": "redirect_to_url",
                "redirect_to_url": {
                    "url": f"{self.base}/3ds/{pi_id}",
                    "return_url": intent["return_url"],
                },
            }
            return Answer.json(intent)
        self._authorized(intent)
        return Answer.json(intent)

    def _authorized(self, intent: dict[str, Any]) -> None:
        intent["next_action"] = None
        if intent["capture_method"] == "manual":
            intent["status"] = "requires_capture"
            intent["amount_capturable"] = intent["amount"]
            self._event("payment_intent.amount_capturable_updated", intent)
        else:
            intent["status"] = "succeeded"
            intent["amount_received"] = intent["amount"]
            self._event("payment_intent.succeeded", intent)

    def _authenticate(self, pi_id: str, query: dict[str, str]) -> Answer:
        """The customer at the 3-D Secure page (?outcome=fail to fail it)."""
        with self.lock:
            intent = self.payments.get(pi_id)
            if intent is None or intent["status"] != "requires_action":
                return Answer(404, b"no authentication pending", "text/plain")
            if query.get("outcome") == "fail":
                intent["status"] = "requires_payment_method"
                intent["next_action"] = None
                intent["last_payment_error"] = {"code": "payment_intent_authentication_failure"}
                self._event("payment_intent.payment_failed", intent)
            else:
                self._authorized(intent)
            back = intent["return_url"]
        separator = "&" if "?" in back else "?"
        return Answer(302, b"", "text/plain", f"{back}{separator}payment_intent={quote(pi_id)}")

    def _capture(self, intent: dict[str, Any], form: dict[str, str]) -> Answer:
        if intent["status"] != "requires_capture":
            return _error(
                400,
                "invalid_request_error",
                f"This PaymentIntent could not be captured because it has a status of "
                f"{intent['status']}.",
                "payment_intent_unexpected_state",
            )
        amount = int(form.get("amount_to_capture") or intent["amount_capturable"])
        if amount > intent["amount_capturable"]:
            return _error(400, "invalid_request_error", "amount_to_capture is too large")
        intent.update(status="succeeded", amount_received=amount, amount_capturable=0)
        self._event("payment_intent.succeeded", intent)
        return Answer.json(intent)

    def _cancel(self, intent: dict[str, Any]) -> Answer:
        if intent["status"] in ("succeeded", "canceled"):
            return _error(
                400,
                "invalid_request_error",
                f"You cannot cancel this PaymentIntent because it has a status of "
                f"{intent['status']}.",
                "payment_intent_unexpected_state",
            )
        intent.update(status="canceled", amount_capturable=0, next_action=None)
        self._event("payment_intent.canceled", intent)
        return Answer.json(intent)

    def _refund(self, form: dict[str, str]) -> Answer:
        intent = self.payments.get(form.get("payment_intent", ""))
        if intent is None or intent["status"] != "succeeded":
            return _error(
                400, "invalid_request_error", "This PaymentIntent has no charge to refund"
            )
        left = intent["amount_received"] - intent["amount_refunded"]
        amount = int(form.get("amount") or left)
        if amount > left:
            return _error(
                400,
                "invalid_request_error",
                f"Refund amount ({amount}) is greater than unrefunded amount on charge ({left})",
            )
        intent["amount_refunded"] += amount
        refund = {
            "id": f"re_fake{next(self.ids)}",
            "object": "refund",
            "amount": amount,
            "payment_intent": intent["id"],
            "status": "succeeded",
        }
        self.refunds[refund["id"]] = refund
        return Answer.json(refund)

    def _event(self, event_type: str, intent: dict[str, Any]) -> None:
        if not self.webhook_url:
            return
        body = json.dumps(
            {
                "id": f"evt_fake{next(self.ids)}",
                "object": "event",
                "type": event_type,
                "created": int(time.time()),
                "data": {"object": dict(intent)},
            }
        ).encode()
        headers = {
            "Content-Type": "application/json",
            "Stripe-Signature": signature_header(self.webhook_secret, body),
        }
        self.send(Outgoing("POST", self.webhook_url, headers, body))

    def charged(self) -> int:
        """Minor units charged over every payment intent (captured, not refunded)."""
        with self.lock:
            return sum(i["amount_received"] - i["amount_refunded"] for i in self.payments.values())


def _error(status: int, kind: str, message: str, code: str = "") -> Answer:
    error = {"type": kind, "message": message} | ({"code": code} if code else {})
    return Answer.json({"error": error}, status)
