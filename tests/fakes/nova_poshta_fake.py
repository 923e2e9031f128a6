"""A stateful Nova Poshta API 2.0 over HTTP on loopback: the JSON envelope, the api key check,
cities and branches, prices and delivery dates, waybills (save, delete) with their statuses, and
the 100x100 label. Control: POST /_control/advance {"number", "status_code"} moves a waybill's
tracking status; /_control/fail_next {"errors"} answers the next call with an error envelope;
/_control/delay as every fake."""

from __future__ import annotations

import itertools
import json
import math
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from fakes.fake_http import Answer, FakeProvider, Request

API_KEY = "np-test-key-0123456789abcdef"
KYIV = "8d5a980d-391c-11dd-90d9-001a92567626"
LVIV = "db5c88f5-391c-11dd-90d9-001a92567626"
CITIES = [
    {"Ref": KYIV, "Description": "Київ", "AreaDescription": "Київська"},
    {"Ref": LVIV, "Description": "Львів", "AreaDescription": "Львівська"},
]
SENDER = {
    "CitySender": KYIV,
    "Sender": "5ace4a2e-13ee-11e5-add9-005056887b8d",
    "SenderAddress": "1ec09d88-e1c2-11e3-8c4a-0050568002cf",
    "ContactSender": "45f7d0a3-13ee-11e5-add9-005056887b8d",
    "SendersPhone": "380501234567",
}
STATUS_TEXT = {
    "1": "Відправник самостійно створив цю накладну, але ще не надав до відправки",
    "2": "Видалено",
    "3": "Номер не знайдено",
    "5": "Відправлення прямує до міста отримувача",
    "7": "Прибув на відділення",
    "9": "Відправлення отримано",
    "102": "Відмова від отримання",
}
SERVICE_TYPES = {"WarehouseWarehouse": 0, "WarehouseDoors": 35}


def _warehouses() -> list[dict[str, Any]]:
    rows = []
    for city in CITIES:
        for number in (1, 2, 3):
            rows.append(
                {
                    "Ref": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{city['Ref']}/{number}")),
                    "Description": f"Відділення №{number}: вул. Тестова, {number}",
                    "ShortAddress": f"{city['Description']}, Тестова, {number}",
                    "Number": str(number),
                    "CityRef": city["Ref"],
                    "CityDescription": city["Description"],
                    "CategoryOfWarehouse": "Postomat" if number == 3 else "Branch",
                    "Latitude": "50.45",
                    "Longitude": "30.52",
                    "PlaceMaxWeightAllowed": "30" if number == 3 else "1000",
                }
            )
    return rows


class NovaPoshtaFake(FakeProvider):
    def __init__(self, api_key: str = API_KEY) -> None:
        super().__init__()
        self.api_key = api_key
        self.warehouses = _warehouses()
        self.documents: dict[str, dict[str, Any]] = {}  # by IntDocNumber
        self.numbers = itertools.count(20450000000001)
        self.fail_next: list[str] = []

    def control(self, what: str, args: dict[str, Any]) -> Answer:
        with self.lock:
            if what == "advance":
                document = self.documents[args["number"]]
                document["StatusCode"] = str(args["status_code"])
                document["TrackingUpdateDate"] = f"{datetime.now(UTC):%Y-%m-%d %H:%M:%S}"
                return Answer.json({"ok": True})
            if what == "fail_next":
                self.fail_next = list(args["errors"])
                return Answer.json({"ok": True})
        return super().control(what, args)

    def handle(self, request: Request) -> Answer:
        if request.method == "GET" and request.path.startswith("/orders/printMarking100x100/"):
            return self._label(request.path)
        try:
            call = json.loads(request.body)
        except ValueError:
            return _envelope(errors=["Invalid JSON"])
        with self.lock:
            if call.get("apiKey") != self.api_key:
                return _envelope(errors=["API auth fail"])
            if self.fail_next:
                errors, self.fail_next = self.fail_next, []
                return _envelope(errors=errors)
            method = f"{call.get('modelName')}.{call.get('calledMethod')}"
            handler = {
                "Address.getCities": self._cities,
                "Address.getWarehouses": self._warehouses,
                "InternetDocument.getDocumentPrice": self._price,
                "InternetDocument.getDocumentDeliveryDate": self._delivery_date,
                "InternetDocument.save": self._save,
                "InternetDocument.delete": self._delete,
                "TrackingDocument.getStatusDocuments": self._status,
            }.get(method)
            if handler is None:
                return _envelope(errors=[f"Method {method} not found"])
            return handler(call.get("methodProperties") or {})

    def _cities(self, p: dict[str, Any]) -> Answer:
        found = str(p.get("FindByString", "")).lower()
        rows = [c for c in CITIES if c["Description"].lower().startswith(found)]
        return _envelope(rows[: int(p.get("Limit") or 50)])

    def _warehouses(self, p: dict[str, Any]) -> Answer:
        rows = [w for w in self.warehouses if not p.get("CityRef") or w["CityRef"] == p["CityRef"]]
        if p.get("Ref"):
            rows = [w for w in rows if w["Ref"] == p["Ref"]]
        if p.get("FindByString"):
            rows = [w for w in rows if p["FindByString"].lower() in w["Description"].lower()]
        return _envelope(rows[: int(p.get("Limit") or 500)])

    def _price(self, p: dict[str, Any]) -> Answer:
        known = {c["Ref"] for c in CITIES}
        if p.get("CitySender") not in known or p.get("CityRecipient") not in known:
            return _envelope(errors=["CityRecipient is invalid"])
        if p.get("ServiceType") not in SERVICE_TYPES:
            return _envelope(errors=["ServiceType is invalid"])
        weight = float(p.get("Weight") or 0)
        if weight <= 0:
            return _envelope(errors=["Weight is invalid"])
        cost = 60 + 10 * math.ceil(weight) + SERVICE_TYPES[p["ServiceType"]]
        return _envelope([{"AssessedCost": int(p.get("Cost") or 0), "Cost": cost}])

    def _delivery_date(self, p: dict[str, Any]) -> Answer:
        try:
            sent = datetime.strptime(p["DateTime"], "%d.%m.%Y")
        except (KeyError, ValueError):
            return _envelope(errors=["DateTime is invalid"])
        days = 1 if p.get("CitySender") == p.get("CityRecipient") else 2
        date = sent + timedelta(days=days)
        return _envelope(
            [
                {
                    "DeliveryDate": {
                        "date": f"{date:%Y-%m-%d} 00:00:00.000000",
                        "timezone_type": 3,
                        "timezone": "Europe/Kiev",
                    }
                }
            ]
        )

    def _save(self, p: dict[str, Any]) -> Answer:
        for field, value in SENDER.items():
            if p.get(field) != value:
                return _envelope(errors=[f"{field} is invalid"])
        for field in (
            "RecipientName",
            "RecipientsPhone",
            "RecipientCityName",
            "ServiceType",
            "Weight",
            "Cost",
            "Description",
        ):
            if not p.get(field):
                return _envelope(errors=[f"{field} is empty"])
        if p["ServiceType"] == "WarehouseWarehouse":
            if not any(w["Ref"] == p.get("RecipientAddress") for w in self.warehouses):
                return _envelope(errors=["RecipientAddress is invalid"])
        elif not p.get("RecipientAddressName"):
            return _envelope(errors=["RecipientAddressName is empty"])
        number = str(next(self.numbers))
        document = {
            "Ref": str(uuid.uuid4()),
            "IntDocNumber": number,
            "StatusCode": "1",
            "TrackingUpdateDate": f"{datetime.now(UTC):%Y-%m-%d %H:%M:%S}",
            "properties": p,
        }
        self.documents[number] = document
        estimated = datetime.now(UTC) + timedelta(days=2)
        return _envelope(
            [
                {
                    "Ref": document["Ref"],
                    "CostOnSite": 70,
                    "IntDocNumber": number,
                    "EstimatedDeliveryDate": f"{estimated:%d.%m.%Y}",
                    "TypeDocument": "InternetDocument",
                }
            ]
        )

    def _delete(self, p: dict[str, Any]) -> Answer:
        ref = p.get("DocumentRefs")
        for document in self.documents.values():
            if document["Ref"] == ref:
                if document["StatusCode"] != "1":
                    return _envelope(errors=["Document can not be deleted: already sent"])
                document["StatusCode"] = "2"
                return _envelope([{"Ref": ref}])
        return _envelope(errors=["Document not found"])

    def _status(self, p: dict[str, Any]) -> Answer:
        rows = []
        for wanted in p.get("Documents") or []:
            document = self.documents.get(str(wanted.get("DocumentNumber")))
            code = document["StatusCode"] if document else "3"
            rows.append(
                {
                    "Number": wanted.get("DocumentNumber"),
                    "StatusCode": code,
                    "Status": STATUS_TEXT.get(code, "In transit"),
                    "TrackingUpdateDate": document["TrackingUpdateDate"] if document else "",
                }
            )
        return _envelope(rows)

    def _label(self, path: str) -> Answer:
        parts = path.split("/")
        number, key = parts[4], parts[-1]
        if key != self.api_key or number not in self.documents:
            return Answer(404, b"not found", "text/plain")
        return Answer(200, b"%PDF-1.4\n% label " + number.encode() + b"\n%%EOF", "application/pdf")


def _envelope(data: list[Any] | None = None, errors: list[str] | None = None) -> Answer:
    return Answer.json(
        {
            "success": not errors,
            "data": data or [],
            "errors": errors or [],
            "warnings": [],
            "info": [],
            "messageCodes": [],
            "errorCodes": [],
            "warningCodes": [],
            "infoCodes": [],
        }
    )
