"""Meest Express API v3.0: `POST auth` with the retailer's login gives a token, sent in the
`token` header of every other call; answers are {status: "OK"|"Error", info: {message,
fieldName, messageDetails}, result}. Prices in hryvnias, weights in kilograms, sides in
centimetres."""

from __future__ import annotations

import asyncio
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

NAME = "meest"
BRANCH = "branch"
COURIER = "courier"
SERVICES = {BRANCH: "Branch", COURIER: "Door"}
# Tracking eventCode -> what it means for an order.
EVENTS: dict[str, TrackingStatus] = {
    "CREATED": TrackingStatus.CREATED,
    "ACCEPTED": TrackingStatus.IN_TRANSIT,
    "IN_TRANSIT": TrackingStatus.IN_TRANSIT,
    "OUT_FOR_DELIVERY": TrackingStatus.IN_TRANSIT,
    "AT_BRANCH": TrackingStatus.ARRIVED_AT_PICKUP_POINT,
    "DELIVERED": TrackingStatus.DELIVERED,
    "RETURNED": TrackingStatus.RETURNED,
    "DELETED": TrackingStatus.CANCELLED,
}
LOCKER_TYPES = {"Postomat", "ParcelLocker"}


class Meest:
    name = NAME
    currencies = frozenset({"UAH"})
    has_points = True
    issues_waybills = True

    def __init__(
        self,
        http: OutboundClient,
        *,
        api_url: str,
        username: str,
        password: str,
        sender_branch_id: str,
    ) -> None:
        self.http = http
        self.api_url = api_url.rstrip("/")
        self.username = username
        self.password = password
        self.sender_branch_id = sender_branch_id
        self._token = ""
        self._login = asyncio.Lock()

    def serves(self, country_code: str) -> bool:
        return country_code == "UA"

    async def _authenticate(self, stale: str) -> str:
        async with self._login:
            if self._token and self._token != stale:
                return self._token  # another call logged in meanwhile
            reply = await send(
                self.http,
                NAME,
                "log in",
                "POST",
                f"{self.api_url}/auth",
                json={"username": self.username, "password": self.password},
            )
            answer = json_body(reply, NAME, "log in")
            if not reply.ok or not isinstance(answer, dict) or answer.get("status") != "OK":
                log.warning("carrier_login_refused", carrier=NAME, status=reply.status_code)
                raise CarrierUnavailable(NAME, "log in", "the login was refused")
            self._token = str(answer["result"]["token"])
            return self._token

    async def call(self, what: str, method: str, path: str, body: Any = None) -> Any:
        """The result of one call; logs in first, and again once when the token has expired."""
        token = self._token or await self._authenticate("")
        for attempt in range(2):
            reply = await send(
                self.http,
                NAME,
                what,
                method,
                f"{self.api_url}/{path}",
                json=body,
                headers={"token": token},
            )
            if reply.status_code == 401 and attempt == 0:
                token = await self._authenticate(token)
                continue
            break
        if reply.status_code == 401:
            raise CarrierUnavailable(NAME, what, "the token was refused")
        answer = json_body(reply, NAME, what)
        if not isinstance(answer, dict) or reply.status_code >= 500:
            raise CarrierUnavailable(NAME, what, f"HTTP {reply.status_code}")
        if answer.get("status") != "OK":
            info = answer.get("info") or {}
            text = " ".join(str(info.get(k, "")) for k in ("fieldName", "message")).strip()
            log.warning("carrier_refused", carrier=NAME, what=what, errors=text)
            raise CarrierRefused(NAME, what, text or "no reason given")
        return answer.get("result")

    async def search_cities(self, query: str, limit: int) -> list[City]:
        result = await self.call(
            "search cities", "POST", "citySearch", {"filters": {"cityDescr": f"{query}%"}}
        )
        return [
            City(
                ref=c["cityID"],
                name=c["cityDescr"]["descrUA"],
                region=(c.get("regionDescr") or {}).get("descrUA", ""),
            )
            for c in (result or [])[:limit]
        ]

    async def pickup_points(self, city_ref: str, query: str, limit: int) -> list[PickupPoint]:
        filters = {"cityID": city_ref} | ({"branchDescr": f"%{query}%"} if query else {})
        result = await self.call("list branches", "POST", "branchSearch", {"filters": filters})
        return [_point(b) for b in (result or [])[:limit]]

    async def pickup_point(self, city_ref: str, ref: str) -> PickupPoint | None:
        result = await self.call(
            "find the branch", "POST", "branchSearch", {"filters": {"branchID": ref}}
        )
        return _point(result[0]) if result else None

    async def _city_id(self, destination: Destination) -> str:
        if destination.city_ref:
            return destination.city_ref
        cities = await self.search_cities(destination.city, 1)
        if not cities:
            raise CarrierRefused(NAME, "quote", f"no city {destination.city!r}")
        return cities[0].ref

    def _receiver(self, destination: Destination, city_id: str) -> dict[str, Any]:
        if destination.point_ref:
            return {"service": SERVICES[BRANCH], "branchID": destination.point_ref}
        return {
            "service": SERVICES[COURIER],
            "cityID": city_id,
            "addressDescr": ", ".join(destination.lines),
        }

    async def quote(
        self, destination: Destination, parcel: Parcel, currency: str, now: datetime
    ) -> list[Quote]:
        if currency not in self.currencies or not self.serves(destination.country_code):
            return []
        receiver = self._receiver(destination, await self._city_id(destination))
        result = await self.call(
            "quote",
            "POST",
            "calculate",
            {
                "sender": {"service": SERVICES[BRANCH], "branchID": self.sender_branch_id},
                "receiver": receiver,
                "placesItems": [_place(parcel)],
            },
        )
        days = int(result.get("deliveryDays") or 3)
        return [
            Quote(
                carrier=NAME,
                service_level=BRANCH if destination.point_ref else COURIER,
                amount_minor=int((Decimal(str(result["costServices"])) * 100).to_integral_value()),
                currency=str(result.get("currency") or "UAH"),
                earliest=now + timedelta(days=1),
                latest=now + timedelta(days=max(days, 1)),
            )
        ]

    async def create_shipment(
        self, reference: str, destination: Destination, parcel: Parcel, service_level: str
    ) -> Waybill:
        receiver = self._receiver(destination, await self._city_id(destination))
        result = await self.call(
            "create the parcel",
            "POST",
            "parcelCreate",
            {
                "parcelNumber": reference,
                "payType": "noncash",
                "receiverPay": False,
                "sender": {"service": SERVICES[BRANCH], "branchID": self.sender_branch_id},
                "receiver": receiver
                | {"name": destination.recipient_name, "phone": destination.recipient_phone},
                "placesItems": [_place(parcel)],
                "insurance": parcel.declared_minor / 100,
            },
        )
        return Waybill(str(result["parcelID"]), str(result["barCode"]))

    async def cancel(self, waybill_ref: str) -> None:
        await self.call("cancel the parcel", "POST", f"parcelDelete/{waybill_ref}")

    async def track(self, tracking_number: str) -> Tracking:
        result = await self.call("track", "GET", f"tracking/{tracking_number}")
        events = [
            TrackingEvent(
                EVENTS.get(str(e.get("eventCode")), TrackingStatus.UNKNOWN),
                _timestamp(str(e.get("eventDateTime", ""))),
                str(e.get("eventDescr", "")),
                str(e.get("eventCode", "")),
            )
            for e in result or []
        ]
        return Tracking(tracking_number, sorted(events, key=lambda e: e.at))

    async def label(self, waybill: Waybill) -> Label:
        token = self._token or await self._authenticate("")
        url = f"{self.api_url}/print/sticker100/{waybill.ref}"
        reply = await send(self.http, NAME, "print the label", "GET", url, headers={"token": token})
        if not reply.ok or not reply.body.startswith(b"%PDF"):
            raise CarrierUnavailable(NAME, "print the label", f"HTTP {reply.status_code}")
        return Label("application/pdf", reply.body)


def _place(parcel: Parcel) -> dict[str, Any]:
    return {
        "quantity": 1,
        "weight": float(Decimal(max(parcel.weight_grams, 100)) / 1000),
        "length": max(parcel.length_mm // 10, 1),
        "width": max(parcel.width_mm // 10, 1),
        "height": max(parcel.height_mm // 10, 1),
    }


def _point(branch: dict[str, Any]) -> PickupPoint:
    locker = branch.get("branchType") in LOCKER_TYPES
    return PickupPoint(
        ref=str(branch["branchID"]),
        carrier=NAME,
        kind=PointKind.PARCEL_LOCKER if locker else PointKind.BRANCH,
        name=branch["branchDescr"]["descrUA"],
        address=(branch.get("addressDescr") or {}).get("descrUA", ""),
        city_ref=str(branch.get("cityID", "")),
        city=(branch.get("cityDescr") or {}).get("descrUA", ""),
        country_code="UA",
        number=str(branch.get("branchNumber", "")),
        latitude=float(branch.get("latitude") or 0),
        longitude=float(branch.get("longitude") or 0),
        max_weight_grams=int(float(branch.get("weightLimit") or 0) * 1000),
    )


def _timestamp(text: str) -> datetime:
    try:
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return datetime.now(UTC)
