"""A stateful CashBill: REST /ws/rest/payment/{shopId} (the sign checked over the documented
fields, empty ones as ""), the status by id (sign = sha1(id + secret)), the payment page the
customer is redirected to, and the notification GET cmd=transactionStatusChanged&args=<id>&
sign=md5(cmd + args + secret) sent to the shop's notification URL, which must answer "OK"."""

from __future__ import annotations

import hashlib
import itertools
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from fakes.fake_http import Answer, FakeProvider, Outgoing, Request

SIGNED = (
    "title",
    "amount.value",
    "amount.currencyCode",
    "returnUrl",
    "description",
    "negativeReturnUrl",
    "additionalData",
    "paymentChannel",
    "languageCode",
    "referer",
    "personalData.firstName",
    "personalData.surname",
    "personalData.email",
    "personalData.country",
    "personalData.city",
    "personalData.postcode",
    "personalData.street",
    "personalData.house",
    "personalData.flat",
)


def sha1(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()


def notification_query(secret: str, transaction_id: str) -> str:
    cmd = "transactionStatusChanged"
    sign = hashlib.md5((cmd + transaction_id + secret).encode()).hexdigest()
    return urlencode({"cmd": cmd, "args": transaction_id, "sign": sign})


class FakeCashBill(FakeProvider):
    def __init__(self, shop_id: str, secret: str) -> None:
        super().__init__()
        self.shop_id = shop_id
        self.secret = secret
        self.notification_url = ""
        self.ids = itertools.count(1)

    def handle(self, request: Request) -> Answer:
        path = request.path
        if path.startswith("/pay/"):
            return self._pay(path.removeprefix("/pay/"), request.query)
        prefix = f"/ws/rest/payment/{self.shop_id}"
        if not path.startswith(prefix):
            return Answer(404, b"Shop not found", "text/plain")
        transaction = path.removeprefix(prefix).strip("/")
        if request.method == "POST" and not transaction:
            return self._create(request.form())
        if request.method == "GET" and transaction:
            if request.query.get("sign") != sha1(transaction + self.secret):
                return Answer(403, b"Bad sign", "text/plain")
            with self.lock:
                payment = self.payments.get(transaction)
            return Answer.json(payment) if payment else Answer(404, b"No payment", "text/plain")
        return Answer(405, b"Method not allowed", "text/plain")

    def _create(self, form: dict[str, str]) -> Answer:
        if form.get("sign") != sha1("".join(form.get(f, "") for f in SIGNED) + self.secret):
            return Answer(400, b"Bad sign", "text/plain")
        try:
            value = Decimal(form["amount.value"])
        except (KeyError, ArithmeticError):
            return Answer(400, b"Bad amount", "text/plain")
        transaction = f"TEST_{next(self.ids):06d}"
        payment: dict[str, Any] = {
            "id": transaction,
            "title": form.get("title", ""),
            "status": "PreStart",
            "paymentChannel": "",
            "description": form.get("description", ""),
            "additionalData": form.get("additionalData", ""),
            "amount": {"value": f"{value:.2f}", "currencyCode": form.get("amount.currencyCode")},
            "requestedAmount": {
                "value": f"{value:.2f}",
                "currencyCode": form.get("amount.currencyCode"),
            },
            "returnUrl": form.get("returnUrl", ""),
        }
        with self.lock:
            self.payments[transaction] = payment
        return Answer.json({"id": transaction, "redirectUrl": f"{self.base}/pay/{transaction}"})

    def _pay(self, transaction: str, query: dict[str, str]) -> Answer:
        """The customer at the payment page: pays (PositiveFinish) or fails (NegativeFinish)."""
        with self.lock:
            payment = self.payments.get(transaction)
            if payment is None or payment["status"] != "PreStart":
                return Answer(404, b"No payment waiting", "text/plain")
            failed = query.get("outcome") == "fail" or self.take_decline()
            payment["status"] = "NegativeFinish" if failed else "PositiveFinish"
            if self.notification_url:
                url = f"{self.notification_url}?{notification_query(self.secret, transaction)}"
                self.send(Outgoing("GET", url))
            return Answer(302, b"", "text/plain", payment["returnUrl"])

    def charged(self) -> Decimal:
        with self.lock:
            return sum(
                (
                    Decimal(p["amount"]["value"])
                    for p in self.payments.values()
                    if p["status"] == "PositiveFinish"
                ),
                Decimal(0),
            )
