"""A stateful LiqPay: the hosted checkout (/api/3/checkout, actions hold and pay, 3-D Secure
as a second page), server-to-server /api/request (hold_completion whole or part, refund, status),
every form checked as LiqPay checks it (data = base64(JSON), signature =
base64(sha1(private_key + data + private_key)), the public key known), and signed callbacks
posted to the payment's server_url."""

from __future__ import annotations

import base64
import hashlib
import json
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from fakes.fake_http import Answer, FakeProvider, Outgoing, Request


def liqpay_signature(private_key: str, data: str) -> str:
    digest = hashlib.sha1((private_key + data + private_key).encode()).digest()
    return base64.b64encode(digest).decode()


def liqpay_form(private_key: str, params: dict[str, Any]) -> dict[str, str]:
    data = base64.b64encode(json.dumps(params).encode()).decode()
    return {"data": data, "signature": liqpay_signature(private_key, data)}


class FakeLiqPay(FakeProvider):
    def __init__(self, public_key: str, private_key: str) -> None:
        super().__init__()
        self.public_key = public_key
        self.private_key = private_key

    def _params(self, form: dict[str, str]) -> dict[str, Any] | Answer:
        data, signature = form.get("data", ""), form.get("signature", "")
        if not data or liqpay_signature(self.private_key, data) != signature:
            return _error("err_signature", "Invalid signature")
        params = json.loads(base64.b64decode(data))
        if params.get("public_key") != self.public_key:
            return _error("public_key_not_found", "Public key not found")
        return dict(params)

    def handle(self, request: Request) -> Answer:
        if request.path == "/api/3/checkout":
            return self._checkout(request.form() or request.query)
        if request.path.startswith("/3ds/"):
            return self._authenticate(request.path.removeprefix("/3ds/"), request.query)
        if request.path != "/api/request":
            return Answer(404, b"not found", "text/plain")
        params = self._params(request.form())
        if isinstance(params, Answer):
            return params
        with self.lock:
            payment = self.payments.get(str(params.get("order_id", "")))
            if payment is None:
                return _error("payment_not_found", "Payment not found")
            action = params.get("action")
            if action == "status":
                return Answer.json(_public(payment))
            if action == "hold_completion":
                return self._complete(payment, params)
            if action == "refund":
                return self._refund(payment, params)
        return _error("err_action", f"Unknown action {action!r}")

    def _checkout(self, form: dict[str, str]) -> Answer:
        """The customer submits the shop's form at the hosted page and pays."""
        params = self._params(form)
        if isinstance(params, Answer):
            return params
        order_id = str(params["order_id"])
        with self.lock:
            if order_id in self.payments:
                return _error("order_id_duplicate", "Duplicate order_id")
            payment = {
                "order_id": order_id,
                "action": params["action"],
                "amount": str(params["amount"]),
                "currency": params["currency"],
                "server_url": params.get("server_url", ""),
                "result_url": params.get("result_url", ""),
                "completed": "0",
                "refunded": "0",
                "status": "prepared",
            }
            self.payments[order_id] = payment
            if self.take_decline():
                payment["status"] = "failure"
                payment["err_code"] = "limit"
            elif self.take_action():
                payment["status"] = "3ds_verify"
                self._callback(payment)
                return Answer(302, b"", "text/plain", f"{self.base}/3ds/{order_id}")
            else:
                self._paid(payment)
            self._callback(payment)
            return Answer(302, b"", "text/plain", payment["result_url"])

    def _authenticate(self, order_id: str, query: dict[str, str]) -> Answer:
        with self.lock:
            payment = self.payments.get(order_id)
            if payment is None or payment["status"] != "3ds_verify":
                return Answer(404, b"no verification pending", "text/plain")
            if query.get("outcome") == "fail":
                payment["status"] = "failure"
            else:
                self._paid(payment)
            self._callback(payment)
            return Answer(302, b"", "text/plain", payment["result_url"])

    def _paid(self, payment: dict[str, Any]) -> None:
        if payment["action"] == "hold":
            payment["status"] = "hold_wait"
        else:
            payment["status"] = "success"
            payment["completed"] = payment["amount"]

    def _complete(self, payment: dict[str, Any], params: dict[str, Any]) -> Answer:
        if payment["status"] != "hold_wait":
            return _error("err_payment", "Payment is not on hold")
        amount = Decimal(str(params.get("amount") or payment["amount"]))
        if amount > Decimal(payment["amount"]):
            return _error("err_amount", "Amount is more than held")
        payment["status"] = "success"
        payment["completed"] = str(amount)
        self._callback(payment)
        return Answer.json(_public(payment))

    def _refund(self, payment: dict[str, Any], params: dict[str, Any]) -> Answer:
        if payment["status"] == "hold_wait":  # releases the hold
            payment["status"] = "reversed"
            self._callback(payment)
            return Answer.json({"result": "ok", "status": "reversed"})
        if payment["status"] != "success":
            return _error("err_payment", "Payment cannot be refunded")
        left = Decimal(payment["completed"]) - Decimal(payment["refunded"])
        amount = Decimal(str(params.get("amount") or left))
        if amount > left:
            return _error("err_amount", "Refund amount is more than paid")
        payment["refunded"] = str(Decimal(payment["refunded"]) + amount)
        if Decimal(payment["refunded"]) == Decimal(payment["completed"]):
            payment["status"] = "reversed"
        self._callback(payment)
        return Answer.json({"result": "ok", "status": "reversed"})

    def _callback(self, payment: dict[str, Any]) -> None:
        if not payment["server_url"]:
            return
        form = liqpay_form(self.private_key, _public(payment))
        body = urlencode(form).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        self.send(Outgoing("POST", payment["server_url"], headers, body))

    def charged(self) -> Decimal:
        with self.lock:
            return sum(
                (Decimal(p["completed"]) - Decimal(p["refunded"]) for p in self.payments.values()),
                Decimal(0),
            )


def _public(payment: dict[str, Any]) -> dict[str, Any]:
    amount = (
        payment["completed"] if payment["status"] in ("success", "reversed") else payment["amount"]
    )
    fields = {
        "result": "ok",
        "action": payment["action"],
        "status": payment["status"],
        "order_id": payment["order_id"],
        "amount": float(amount),
        "currency": payment["currency"],
        "refund_amount": float(payment["refunded"]),
    }
    return fields | ({"err_code": payment["err_code"]} if "err_code" in payment else {})


def _error(code: str, description: str) -> Answer:
    return Answer.json(
        {"result": "error", "status": "error", "err_code": code, "err_description": description}
    )
