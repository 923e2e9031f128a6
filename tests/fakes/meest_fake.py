"""A stateful Meest Express API v3.0 over HTTP on loopback, under /v3.0/openAPI: `auth` issues
tokens, every other call needs the `token` header, answers {status, info, result}; cities,
branches, tariffs, parcels (create, delete) with their tracking events, and the sticker.
Control: /_control/advance {"barcode", "event"} adds a tracking event; /_control/expire_tokens
makes every issued token invalid; /_control/fail_next {"message"}; /_control/delay."""

from __future__ import annotations

import itertools
import json
import math
import uuid
from datetime import UTC, datetime
from typing import Any

from fakes.fake_http import Answer, FakeProvider, Request

PREFIX = "/v3.0/openAPI"
USERNAME = "shop-omni"
PASSWORD = "meest-secret"
SENDER_BRANCH = "0xb11fe5c7d7de5bb411e5ef5b34a1bc1d"
KYIV = "0xb11fe5c7d7de5bb411e5ef5b34a1b001"
CITIES = [
    {
        "cityID": KYIV,
        "cityDescr": {"descrUA": "Київ", "descrRU": "Киев", "descrEN": "Kyiv"},
        "regionDescr": {"descrUA": "Київська"},
    },
]
BRANCHES = [
    {
        "branchID": f"0xb11f0000000000000000000000000{n:03d}",
        "branchNumber": n,
        "branchDescr": {"descrUA": f"Відділення №{n}"},
        "branchType": "Postomat" if n == 3 else "Mini",
        "addressDescr": {"descrUA": f"вул. Хрещатик, {n}"},
        "cityID": KYIV,
        "cityDescr": {"descrUA": "Київ"},
        "latitude": 50.45,
        "longitude": 30.52,
        "weightLimit": 30,
    }
    for n in (1, 2, 3)
]


class MeestFake(FakeProvider):
    def __init__(self) -> None:
        super().__init__()
        self.tokens: set[str] = set()
        self.logins = 0
        self.parcels: dict[str, dict[str, Any]] = {}  # by parcelID
        self.barcodes = itertools.count(1_000_000_001)
        self.fail_message = ""

    def control(self, what: str, args: dict[str, Any]) -> Answer:
        with self.lock:
            if what == "advance":
                parcel = next(p for p in self.parcels.values() if p["barCode"] == args["barcode"])
                parcel["events"].append(_event(args["event"]))
                return Answer.json({"ok": True})
            if what == "expire_tokens":
                self.tokens.clear()
                return Answer.json({"ok": True})
            if what == "fail_next":
                self.fail_message = args["message"]
                return Answer.json({"ok": True})
        return super().control(what, args)

    def handle(self, request: Request) -> Answer:
        if not request.path.startswith(PREFIX + "/"):
            return Answer(404, b"", "text/plain")
        path = request.path.removeprefix(PREFIX + "/")
        body = json.loads(request.body) if request.body else {}
        with self.lock:
            if path == "auth":
                return self._auth(body)
            if request.headers.get("token") not in self.tokens:
                return _error("Token is invalid or expired", status=401)
            if self.fail_message:
                message, self.fail_message = self.fail_message, ""
                return _error(message)
            if path == "citySearch":
                return self._cities(body)
            if path == "branchSearch":
                return self._branches(body)
            if path == "calculate":
                return self._calculate(body)
            if path == "parcelCreate":
                return self._create(body)
            if path.startswith("parcelDelete/"):
                return self._delete(path.removeprefix("parcelDelete/"))
            if path.startswith("tracking/") and request.method == "GET":
                return self._tracking(path.removeprefix("tracking/"))
            if path.startswith("print/sticker100/") and request.method == "GET":
                parcel_id = path.removeprefix("print/sticker100/")
                if parcel_id not in self.parcels:
                    return _error("Parcel not found", status=404)
                return Answer(200, b"%PDF-1.4\n% sticker\n%%EOF", "application/pdf")
        return _error(f"unknown method {path}", status=404)

    def _auth(self, body: dict[str, Any]) -> Answer:
        if body.get("username") != USERNAME or body.get("password") != PASSWORD:
            return _error("Wrong login or password", status=401)
        token = uuid.uuid4().hex
        self.tokens.add(token)
        self.logins += 1
        return _ok({"token": token, "refreshToken": uuid.uuid4().hex, "expiresIn": 3600})

    def _cities(self, body: dict[str, Any]) -> Answer:
        prefix = str(body.get("filters", {}).get("cityDescr", "")).rstrip("%").lower()
        return _ok([c for c in CITIES if c["cityDescr"]["descrUA"].lower().startswith(prefix)])

    def _branches(self, body: dict[str, Any]) -> Answer:
        filters = body.get("filters", {})
        rows = [
            b
            for b in BRANCHES
            if (not filters.get("cityID") or b["cityID"] == filters["cityID"])
            and (not filters.get("branchID") or b["branchID"] == filters["branchID"])
        ]
        return _ok(rows)

    def _receiver_error(self, receiver: dict[str, Any]) -> str:
        if receiver.get("service") == "Branch":
            if not any(b["branchID"] == receiver.get("branchID") for b in BRANCHES):
                return "receiver.branchID"
        elif receiver.get("service") == "Door":
            if receiver.get("cityID") != KYIV or not receiver.get("addressDescr"):
                return "receiver.addressDescr"
        else:
            return "receiver.service"
        return ""

    def _calculate(self, body: dict[str, Any]) -> Answer:
        if body.get("sender", {}).get("branchID") != SENDER_BRANCH:
            return _error("Sender branch is invalid", field="sender.branchID")
        wrong = self._receiver_error(body.get("receiver", {}))
        if wrong:
            return _error("Receiver is invalid", field=wrong)
        places = body.get("placesItems") or []
        if not places or any(float(p.get("weight") or 0) <= 0 for p in places):
            return _error("Weight is invalid", field="placesItems.weight")
        weight = sum(float(p["weight"]) * int(p.get("quantity") or 1) for p in places)
        door = body["receiver"]["service"] == "Door"
        cost = 55 + 8 * math.ceil(weight) + (40 if door else 0)
        return _ok({"costServices": cost, "currency": "UAH", "deliveryDays": 2 if door else 1})

    def _create(self, body: dict[str, Any]) -> Answer:
        if body.get("sender", {}).get("branchID") != SENDER_BRANCH:
            return _error("Sender branch is invalid", field="sender.branchID")
        receiver = body.get("receiver", {})
        wrong = self._receiver_error(receiver)
        if wrong or not receiver.get("name") or not receiver.get("phone"):
            return _error("Receiver is invalid", field=wrong or "receiver.phone")
        parcel_id = str(uuid.uuid4())
        barcode = f"CV{next(self.barcodes)}UA"
        self.parcels[parcel_id] = {
            "barCode": barcode,
            "body": body,
            "deleted": False,
            "events": [_event("CREATED")],
        }
        return _ok({"parcelID": parcel_id, "barCode": barcode, "objectID": uuid.uuid4().hex})

    def _delete(self, parcel_id: str) -> Answer:
        parcel = self.parcels.get(parcel_id)
        if parcel is None:
            return _error("Parcel not found", status=404)
        if len(parcel["events"]) > 1:
            return _error("Parcel is already in work and cannot be deleted")
        parcel["deleted"] = True
        parcel["events"].append(_event("DELETED"))
        return _ok({"parcelID": parcel_id})

    def _tracking(self, barcode: str) -> Answer:
        for parcel in self.parcels.values():
            if parcel["barCode"] == barcode:
                return _ok(parcel["events"])
        return _ok([])


def _event(code: str) -> dict[str, Any]:
    return {
        "eventDateTime": f"{datetime.now(UTC):%Y-%m-%d %H:%M:%S}",
        "eventCode": code,
        "eventDescr": code.replace("_", " ").lower(),
    }


def _ok(result: Any) -> Answer:
    return Answer.json(
        {
            "status": "OK",
            "info": {"fieldName": "", "message": "", "messageDetails": ""},
            "result": result,
        }
    )


def _error(message: str, *, field: str = "", status: int = 200) -> Answer:
    return Answer.json(
        {
            "status": "Error",
            "info": {"fieldName": field, "message": message, "messageDetails": ""},
            "result": None,
        },
        status,
    )
