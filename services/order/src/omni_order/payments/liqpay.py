"""LiqPay: the hosted checkout (/api/3/checkout, action "hold" or "pay") for the customer, and
server-to-server POST /api/request for hold_completion (whole or part; a part releases the
rest), refund (also releases a hold) and status. Every request and callback is a form of
`data` = base64(JSON) and `signature` = base64(sha1_raw(private_key + data + private_key)): the
base64 string is what is signed, as the documentation and the PHP SDK do."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any
from urllib.parse import parse_qs

from omni_kit.outbound import OutboundClient
from omni_order.domain.values import Money
from omni_order.payments.http import ProviderHttp
from omni_order.payments.money import major, minor
from omni_order.payments.provider import (
    Callback,
    CallbackAnswer,
    CallbackEvent,
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
    "success": PaymentState.CAPTURED,
    "hold_wait": PaymentState.AUTHORIZED,
    "failure": PaymentState.FAILED,
    "error": PaymentState.FAILED,
    "reversed": PaymentState.REFUNDED,
    "3ds_verify": PaymentState.ACTION_REQUIRED,
    "otp_verify": PaymentState.ACTION_REQUIRED,
    "cvv_verify": PaymentState.ACTION_REQUIRED,
    "wait_secure": PaymentState.PENDING,
    "processing": PaymentState.PENDING,
    "prepared": PaymentState.PENDING,
}


def sign(private_key: str, data: str) -> str:
    digest = hashlib.sha1((private_key + data + private_key).encode()).digest()  # noqa: S324 (LiqPay's protocol)
    return base64.b64encode(digest).decode()


def encode(params: dict[str, Any]) -> str:
    return base64.b64encode(json.dumps(params).encode()).decode()


class LiqPayProvider:
    name = "liqpay"
    capabilities = Capabilities(
        manual_capture=True, partial_capture=True, void=True, refund=True, partial_refund=True
    )
    needs_token = False

    def __init__(
        self,
        client: OutboundClient,
        *,
        api_base: str,
        public_key: str,
        private_key: str,
    ) -> None:
        self.http = ProviderHttp(client, self.name, api_base)
        self.api_base = api_base.rstrip("/")
        self.public_key = public_key
        self.private_key = private_key

    def _form(self, params: dict[str, Any]) -> dict[str, str]:
        data = encode({"version": 3, "public_key": self.public_key, **params})
        return {"data": data, "signature": sign(self.private_key, data)}

    async def _request(self, params: dict[str, Any]) -> dict[str, Any]:
        reply = await self.http.call("POST", "/api/request", data=self._form(params))
        try:
            body = reply.json()
        except ValueError:
            body = {}
        if not reply.ok or not isinstance(body, dict):
            self.http.refused("/api/request", reply)
            return {"status": "error"}
        if body.get("status") in ("error", "failure"):
            self.http.refused("/api/request", reply)
        return body

    async def initiate(self, request: PaymentRequest) -> Initiation:
        form = self._form(
            {
                "action": "hold" if request.manual_capture else "pay",
                "amount": major(request.amount.amount_minor),
                "currency": request.amount.currency_code,
                "description": request.description or f"Order {request.order_number}",
                "order_id": request.key,
                "result_url": request.return_url,
                "server_url": request.notify_url,
            }
        )
        action = NextAction(
            "redirect", url=f"{self.api_base}/api/3/checkout", http_method="POST", form_fields=form
        )
        return Initiation(PaymentState.ACTION_REQUIRED, request.key, action)

    async def capture(self, key: str, amount: Money, *, reference: str = "") -> PaymentResult:
        # A retry after a lost answer must not complete the hold twice: ask first.
        if (await self.status(key)).state == PaymentState.CAPTURED:
            return PaymentResult(approved=True, reference=key)
        body = await self._request(
            {"action": "hold_completion", "order_id": key, "amount": major(amount.amount_minor)}
        )
        if body.get("status") != "success":
            return PaymentResult(approved=False, reason="the capture was refused")
        return PaymentResult(approved=True, reference=key)

    async def void(self, key: str, *, reference: str = "") -> None:
        if (await self.status(key)).state != PaymentState.AUTHORIZED:
            return  # no hold to release
        await self._request({"action": "refund", "order_id": key})

    async def refund(
        self, key: str, refund_key: str, amount: Money, *, reference: str = ""
    ) -> PaymentResult:
        body = await self._request(
            {"action": "refund", "order_id": key, "amount": major(amount.amount_minor)}
        )
        if body.get("status") not in ("reversed", "success"):
            return PaymentResult(approved=False, reason="the refund was refused")
        return PaymentResult(approved=True, reference=f"{key}:{refund_key}")

    async def status(self, key: str, *, reference: str = "") -> ProviderStatus:
        body = await self._request({"action": "status", "order_id": key})
        if body.get("err_code") == "payment_not_found":
            return ProviderStatus(PaymentState.PENDING, key)
        return _status(body, key)

    async def handle_callback(self, callback: Callback) -> CallbackEvent:
        fields = parse_qs(callback.body.decode("utf-8", errors="replace"))
        data = (fields.get("data") or [""])[0]
        signature = (fields.get("signature") or [""])[0]
        if not data or not signature:
            raise CallbackRefused("a LiqPay callback carries the form fields data and signature")
        if not hmac.compare_digest(sign(self.private_key, data), signature):
            raise CallbackRefused("the LiqPay signature does not match the data")
        try:
            params = json.loads(base64.b64decode(data, validate=True))
        except ValueError:
            raise CallbackRefused("LiqPay data is not base64 JSON", "CALLBACK_MALFORMED") from None
        if not isinstance(params, dict) or not params.get("order_id"):
            raise CallbackRefused("LiqPay data names no order_id", "CALLBACK_MALFORMED")
        status = _status(params, str(params["order_id"]))
        return CallbackEvent(
            event_type=str(params.get("status", "")),
            state=status.state,
            key=str(params["order_id"]),
            reference=str(params["order_id"]),
            amount=status.amount,
            answer=CallbackAnswer(200, "text/plain", b""),
        )


def _status(body: dict[str, Any], key: str) -> ProviderStatus:
    state = STATES.get(str(body.get("status", "")), PaymentState.PENDING)
    amount = minor(body["amount"], str(body.get("currency", ""))) if "amount" in body else None
    if state == PaymentState.REFUNDED and body.get("action") == "hold":
        state = PaymentState.CANCELLED  # a hold released before completion
    return ProviderStatus(state, key, amount)
