"""Nova Poshta API 2.0: every call is a JSON POST of {apiKey, modelName, calledMethod,
methodProperties}, answered {success, data[], errors[], warnings[]}. Prices are in hryvnias
(decimal numbers), weights in kilograms; tracking is polled (TrackingDocument gives the current
status only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from omni_kit.outbound import OutboundClient
from omni_order.carriers.base import (
    CarrierRefused,
    CarrierUnavailable,
    City,
    Destination,
    Label,
    Parcel,
    PickupPoint,
    PointKind,
    Quote,
    Tracking,
    TrackingEvent,
    TrackingStatus,
    Waybill,
)
from omni_order.carriers.http import json_body, log, send

NAME = "nova_poshta"
# Service levels offered, with Nova Poshta's ServiceType for each.
BRANCH = "branch"
COURIER = "courier"
SERVICE_TYPES = {BRANCH: "WarehouseWarehouse", COURIER: "WarehouseDoors"}
# TrackingDocument.getStatusDocuments StatusCode -> what it means for an order.
STATUSES: dict[str, TrackingStatus] = {
    "1": TrackingStatus.CREATED,  # created by the sender, not handed over yet
    "2": TrackingStatus.CANCELLED,  # deleted
    "12": TrackingStatus.CREATED,  # being prepared for dispatch
    "4": TrackingStatus.IN_TRANSIT,  # in the sender's city
    "41": TrackingStatus.IN_TRANSIT,
    "5": TrackingStatus.IN_TRANSIT,  # on the way to the recipient's city
    "6": TrackingStatus.IN_TRANSIT,  # in the recipient's city
    "101": TrackingStatus.IN_TRANSIT,  # out for delivery
    "104": TrackingStatus.IN_TRANSIT,  # address changed
    "111": TrackingStatus.IN_TRANSIT,  # a failed delivery attempt
    "112": TrackingStatus.IN_TRANSIT,  # the recipient moved the delivery date
    "7": TrackingStatus.ARRIVED_AT_PICKUP_POINT,  # arrived at the branch
    "8": TrackingStatus.ARRIVED_AT_PICKUP_POINT,  # arrived at the branch (parcel locker)
    "9": TrackingStatus.DELIVERED,  # received
    "10": TrackingStatus.DELIVERED,  # received, cash on delivery being paid out
    "11": TrackingStatus.DELIVERED,  # received, cash on delivery paid out
    "106": TrackingStatus.DELIVERED,  # received, a return shipment created
    "102": TrackingStatus.RETURNED,  # refused by the recipient
    "103": TrackingStatus.RETURNED,  # refused by the recipient
    "108": TrackingStatus.RETURNED,  # refused by the recipient
    "105": TrackingStatus.RETURNED,  # storage ended, going back
}
LOCKER_CATEGORY = "Postomat"


@dataclass(frozen=True)
class Sender:
    """The retailer's Nova Poshta counterparty: refs from Counterparty and Address calls."""

    city_ref: str
    counterparty_ref: str
    address_ref: str
    contact_ref: str
    phone: str


class NovaPoshta:
    name = NAME
    currencies = frozenset({"UAH"})
    has_points = True
    issues_waybills = True

    def __init__(
        self,
        http: OutboundClient,
        *,
        api_url: str,
        print_url: str,
        api_key: str,
        sender: Sender,
    ) -> None:
        self.http = http
        self.api_url = api_url
        self.print_url = print_url.rstrip("/")
        self.api_key = api_key
        self.sender = sender

    def serves(self, country_code: str) -> bool:
        return country_code == "UA"

    async def call(
        self, what: str, model: str, method: str, properties: dict[str, Any]
    ) -> list[Any]:
        body = {
            "apiKey": self.api_key,
            "modelName": model,
            "calledMethod": method,
            "methodProperties": properties,
        }
        reply = await send(self.http, NAME, what, "POST", self.api_url, json=body)
        answer = json_body(reply, NAME, what)
        if not reply.ok or not isinstance(answer, dict):
            raise CarrierUnavailable(NAME, what, f"HTTP {reply.status_code}")
        if not answer.get("success"):
            errors = "; ".join(str(e) for e in answer.get("errors") or []) or "no reason given"
            log.warning("carrier_refused", carrier=NAME, what=what, errors=errors)
            if "api key" in errors.lower() or "auth" in errors.lower():
                raise CarrierUnavailable(NAME, what, "the API key was refused")
            raise CarrierRefused(NAME, what, errors)
        return list(answer.get("data") or [])

    async def search_cities(self, query: str, limit: int) -> list[City]:
        data = await self.call(
            "search cities",
            "Address",
            "getCities",
            {"FindByString": query, "Page": "1", "Limit": str(limit)},
        )
        return [
            City(ref=c["Ref"], name=c["Description"], region=c.get("AreaDescription", ""))
            for c in data[:limit]
        ]

    async def pickup_points(self, city_ref: str, query: str, limit: int) -> list[PickupPoint]:
        properties = {"CityRef": city_ref, "Page": "1", "Limit": str(limit)}
        if query:
            properties["FindByString"] = query
        data = await self.call("list branches", "Address", "getWarehouses", properties)
        return [_point(w) for w in data[:limit]]

    async def pickup_point(self, city_ref: str, ref: str) -> PickupPoint | None:
        data = await self.call(
            "find the branch", "Address", "getWarehouses", {"CityRef": city_ref, "Ref": ref}
        )
        return _point(data[0]) if data else None

    async def _city_ref(self, destination: Destination) -> str:
        if destination.city_ref:
            return destination.city_ref
        cities = await self.search_cities(destination.city, 1)
        if not cities:
            raise CarrierRefused(NAME, "quote", f"no city {destination.city!r}")
        return cities[0].ref

    async def quote(
        self, destination: Destination, parcel: Parcel, currency: str, now: datetime
    ) -> list[Quote]:
        if currency not in self.currencies or not self.serves(destination.country_code):
            return []
        city = await self._city_ref(destination)
        levels = [BRANCH] if destination.point_ref else [COURIER]
        quotes = []
        for level in levels:
            common = {"CitySender": self.sender.city_ref, "CityRecipient": city}
            price = await self.call(
                "quote",
                "InternetDocument",
                "getDocumentPrice",
                common
                | {
                    "ServiceType": SERVICE_TYPES[level],
                    "Weight": _kilograms(parcel.weight_grams),
                    "Cost": str(max(parcel.declared_minor // 100, 1)),
                    "CargoType": "Parcel",
                    "SeatsAmount": "1",
                },
            )
            dates = await self.call(
                "estimate delivery",
                "InternetDocument",
                "getDocumentDeliveryDate",
                common | {"ServiceType": SERVICE_TYPES[level], "DateTime": f"{now:%d.%m.%Y}"},
            )
            latest = _delivery_date(dates, now)
            quotes.append(
                Quote(
                    carrier=NAME,
                    service_level=level,
                    amount_minor=_minor(price[0]["Cost"]),
                    currency="UAH",
                    earliest=min(now + timedelta(days=1), latest),
                    latest=latest,
                )
            )
        return quotes

    async def create_shipment(
        self, reference: str, destination: Destination, parcel: Parcel, service_level: str
    ) -> Waybill:
        level = BRANCH if destination.point_ref else COURIER
        recipient: dict[str, Any] = {
            "NewAddress": "1",
            "RecipientCityName": destination.city,
            "RecipientName": destination.recipient_name,
            "RecipientType": "PrivatePerson",
            "RecipientsPhone": destination.recipient_phone.lstrip("+"),
        }
        if destination.point_ref:
            recipient |= {"RecipientAddress": destination.point_ref}
        else:
            recipient |= {"RecipientAddressName": ", ".join(destination.lines)}
        data = await self.call(
            "create the waybill",
            "InternetDocument",
            "save",
            recipient
            | {
                "PayerType": "Sender",
                "PaymentMethod": "NonCash",
                "DateTime": f"{datetime.now(UTC):%d.%m.%Y}",
                "CargoType": "Parcel",
                "ServiceType": SERVICE_TYPES[level],
                "Weight": _kilograms(parcel.weight_grams),
                "SeatsAmount": "1",
                "Description": f"Order {reference}",
                "Cost": str(max(parcel.declared_minor // 100, 1)),
                "CitySender": self.sender.city_ref,
                "Sender": self.sender.counterparty_ref,
                "SenderAddress": self.sender.address_ref,
                "ContactSender": self.sender.contact_ref,
                "SendersPhone": self.sender.phone.lstrip("+"),
                "InfoRegClientBarcodes": reference,
            },
        )
        document = data[0]
        estimated = _date(document.get("EstimatedDeliveryDate", ""))
        return Waybill(document["Ref"], document["IntDocNumber"], estimated)

    async def cancel(self, waybill_ref: str) -> None:
        await self.call(
            "cancel the waybill", "InternetDocument", "delete", {"DocumentRefs": waybill_ref}
        )

    async def track(self, tracking_number: str) -> Tracking:
        data = await self.call(
            "track",
            "TrackingDocument",
            "getStatusDocuments",
            {"Documents": [{"DocumentNumber": tracking_number, "Phone": self.sender.phone}]},
        )
        if not data:
            return Tracking(tracking_number)
        document = data[0]
        code = str(document.get("StatusCode", ""))
        status = STATUSES.get(code, TrackingStatus.UNKNOWN)
        at = _timestamp(document.get("TrackingUpdateDate", "")) or datetime.now(UTC)
        event = TrackingEvent(status, at, str(document.get("Status", "")), code)
        return Tracking(tracking_number, [event])

    async def label(self, waybill: Waybill) -> Label:
        url = (
            f"{self.print_url}/orders/printMarking100x100/orders[]/{waybill.tracking_number}"
            f"/type/pdf/apiKey/{self.api_key}"
        )
        reply = await send(self.http, NAME, "print the label", "GET", url)
        if not reply.ok or not reply.body.startswith(b"%PDF"):
            raise CarrierUnavailable(NAME, "print the label", f"HTTP {reply.status_code}")
        return Label("application/pdf", reply.body)


def _point(warehouse: dict[str, Any]) -> PickupPoint:
    locker = warehouse.get("CategoryOfWarehouse") == LOCKER_CATEGORY
    return PickupPoint(
        ref=warehouse["Ref"],
        carrier=NAME,
        kind=PointKind.PARCEL_LOCKER if locker else PointKind.BRANCH,
        name=warehouse["Description"],
        address=warehouse.get("ShortAddress", ""),
        city_ref=warehouse.get("CityRef", ""),
        city=warehouse.get("CityDescription", ""),
        country_code="UA",
        number=str(warehouse.get("Number", "")),
        latitude=float(warehouse.get("Latitude") or 0),
        longitude=float(warehouse.get("Longitude") or 0),
        max_weight_grams=int(float(warehouse.get("PlaceMaxWeightAllowed") or 0) * 1000),
    )


def _kilograms(grams: int) -> str:
    return str(Decimal(max(grams, 100)) / 1000)


def _minor(hryvnias: Any) -> int:
    return int((Decimal(str(hryvnias)) * 100).to_integral_value())


def _delivery_date(data: list[Any], now: datetime) -> datetime:
    try:
        text = data[0]["DeliveryDate"]["date"]
        return datetime.strptime(text[:10], "%Y-%m-%d").replace(tzinfo=UTC)
    except (IndexError, KeyError, TypeError, ValueError):
        return now + timedelta(days=3)


def _date(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, "%d.%m.%Y").replace(tzinfo=UTC)
    except ValueError:
        return None


def _timestamp(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return None
