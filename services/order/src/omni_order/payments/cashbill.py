"""CashBill: REST at /ws/rest/. POST payment/{shopId} (sign = sha1 hex of the documented field
concatenation + secret, empty fields as "") answers {id, redirectUrl}; GET
payment/{shopId}/{id}?sign=sha1(id + secret) is the status. The notification is a GET
cmd=transactionStatusChanged&args=<id>&sign=md5(cmd + args + secret), answered "OK", after which
the status is fetched. It charges at once: no separate capture, no void, no refund through the
API (a refund becomes a staff task)."""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import parse_qs

from omni_kit.outbound import OutboundClient
from omni_order.domain.values import Money
from omni_order.payments.http import ProviderHttp, json_body
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

# The fields of POST payment, in the order their values are signed.
SIGNED_FIELDS = (
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
STATES = {
    "PreStart": PaymentState.ACTION_REQUIRED,
    "Start": PaymentState.ACTION_REQUIRED,
    "PositiveAuthorization": PaymentState.PENDING,
    "PositiveFinish": PaymentState.CAPTURED,
    "NegativeAuthorization": PaymentState.FAILED,
    "NegativeFinish": PaymentState.FAILED,
    "Abort": PaymentState.CANCELLED,
    "Fraud": PaymentState.FAILED,
    "TimeExceeded": PaymentState.CANCELLED,
    "CriticalError": PaymentState.FAILED,
}
NOTIFY_COMMAND = "transactionStatusChanged"


def sha1_hex(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()  # noqa: S324 (CashBill's protocol)


def payment_sign(fields: dict[str, str], secret: str) -> str:
    return sha1_hex("".join(fields.get(name, "") for name in SIGNED_FIELDS) + secret)


def notification_sign(cmd: str, args: str, secret: str) -> str:
    return hashlib.md5((cmd + args + secret).encode()).hexdigest()  # noqa: S324 (CashBill's protocol)


class CashBillProvider:
    name = "cashbill"
    capabilities = Capabilities(
        manual_capture=False, partial_capture=False, void=False, refund=False, partial_refund=False
    )
    needs_token = False

    def __init__(self, client: OutboundClient, *, api_base: str, shop_id: str, secret: str) -> None:
        self.http = ProviderHttp(client, self.name, api_base)
        self.shop_id = shop_id
        self.secret = secret

    async def initiate(self, request: PaymentRequest) -> Initiation:
        fields = {
            "title": f"Order {request.order_number}",
            "amount.value": major(request.amount.amount_minor),
            "amount.currencyCode": request.amount.currency_code,
            "returnUrl": request.return_url,
            "description": request.description or f"Order {request.order_number}",
            "negativeReturnUrl": request.return_url,
            "additionalData": request.key,
            "languageCode": "PL",
        }
        fields["sign"] = payment_sign(fields, self.secret)
        path = f"/payment/{self.shop_id}"
        reply = await self.http.call("POST", path, data=fields)
        body = json_body(reply)
        if not reply.ok or not body.get("id") or not body.get("redirectUrl"):
            self.http.refused(path, reply)
            return Initiation(PaymentState.FAILED, reason="the payment could not be started")
        action = NextAction("redirect", url=str(body["redirectUrl"]))
        return Initiation(PaymentState.ACTION_REQUIRED, str(body["id"]), action)

    async def capture(self, key: str, amount: Money, *, reference: str = "") -> PaymentResult:
        return PaymentResult(approved=True, reference=reference)  # charged at once

    async def void(self, key: str, *, reference: str = "") -> None:
        return None  # nothing is held: a paid order's money comes back by a (staff) refund

    async def refund(
        self, key: str, refund_key: str, amount: Money, *, reference: str = ""
    ) -> PaymentResult:
        return PaymentResult(approved=False, reason="CashBill refunds are made in its panel")

    async def status(self, key: str, *, reference: str = "") -> ProviderStatus:
        if not reference:
            return ProviderStatus(PaymentState.PENDING)
        path = f"/payment/{self.shop_id}/{reference}"
        reply = await self.http.call(
            "GET", path, params={"sign": sha1_hex(reference + self.secret)}
        )
        body = json_body(reply)
        if not reply.ok:
            self.http.refused(path, reply)
            return ProviderStatus(PaymentState.PENDING, reference)
        amount = body.get("amount") or {}
        return ProviderStatus(
            STATES.get(str(body.get("status", "")), PaymentState.PENDING),
            reference,
            minor(amount.get("value"), str(amount.get("currencyCode", ""))) if amount else None,
        )

    async def handle_callback(self, callback: Callback) -> CallbackEvent:
        query = parse_qs(callback.query)
        cmd = (query.get("cmd") or [""])[0]
        args = (query.get("args") or [""])[0]
        given = (query.get("sign") or [""])[0]
        if cmd != NOTIFY_COMMAND or not args or not given:
            raise CallbackRefused(
                "a CashBill notification carries cmd=transactionStatusChanged, args and sign"
            )
        if not hmac.compare_digest(notification_sign(cmd, args, self.secret), given.lower()):
            raise CallbackRefused("the CashBill sign does not match cmd and args")
        # The notification says only that something changed: the status is asked for.
        status = await self.status("", reference=args)
        return CallbackEvent(
            event_type=f"{cmd}:{status.state}",
            state=status.state,
            reference=args,
            amount=status.amount,
            answer=CallbackAnswer(200, "text/plain", b"OK"),
        )
