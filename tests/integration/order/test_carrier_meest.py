"""The Meest adapter against its fake over loopback HTTP: login and token, cities and branches,
quotes, parcels created and cancelled, tracking to delivered, and each kind of failure."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from fakes.meest_fake import KYIV, PASSWORD, PREFIX, SENDER_BRANCH, USERNAME, MeestFake

from omni_kit.outbound import OutboundClient
from omni_order.carriers.base import (
    CarrierRefused,
    CarrierUnavailable,
    Destination,
    Parcel,
    PointKind,
    TrackingStatus,
)
from omni_order.carriers.meest import Meest

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
PARCEL = Parcel(weight_grams=2500, length_mm=300, width_mm=200, height_mm=100)


@pytest.fixture
def fake() -> Iterator[MeestFake]:
    server = MeestFake().start()
    yield server
    server.stop()


def adapter(fake: MeestFake, http: OutboundClient, password: str = PASSWORD) -> Meest:
    return Meest(
        http,
        api_url=fake.base + PREFIX,
        username=USERNAME,
        password=password,
        sender_branch_id=SENDER_BRANCH,
    )


async def to_branch(carrier: Meest) -> Destination:
    [city] = await carrier.search_cities("Ки", 5)
    branch = (await carrier.pickup_points(city.ref, "", 10))[0]
    return Destination(
        country_code="UA",
        city=branch.city,
        point_ref=branch.ref,
        city_ref=city.ref,
        recipient_name="Олена Коваль",
        recipient_phone="+380671112233",
    )


async def test_one_login_serves_the_calls_and_an_expired_token_logs_in_again(fake, carrier_http):
    carrier = adapter(fake, carrier_http)
    [city] = await carrier.search_cities("Київ", 5)
    assert (city.ref, city.name) == (KYIV, "Київ")
    points = await carrier.pickup_points(KYIV, "", 10)
    assert [p.kind for p in points][-1] == PointKind.PARCEL_LOCKER
    assert fake.logins == 1
    httpx.post(f"{fake.base}/_control/expire_tokens")
    assert await carrier.pickup_point(KYIV, points[0].ref) == points[0]
    assert fake.logins == 2


async def test_quotes_to_a_branch_and_to_the_door(fake, carrier_http):
    carrier = adapter(fake, carrier_http)
    [branch] = await carrier.quote(await to_branch(carrier), PARCEL, "UAH", NOW)
    # 55 + 8 per started kilogram (3) = 79.00 UAH
    assert (branch.amount_minor, branch.currency, branch.service_level) == (7900, "UAH", "branch")
    door = Destination(country_code="UA", city="Київ", lines=("Хрещатик, 22",))
    [to_door] = await carrier.quote(door, PARCEL, "UAH", NOW)
    assert (to_door.amount_minor, to_door.service_level) == (11900, "courier")
    assert await carrier.quote(door, PARCEL, "PLN", NOW) == []


async def test_a_parcel_is_created_tracked_to_delivered_and_labelled(fake, carrier_http):
    carrier = adapter(fake, carrier_http)
    waybill = await carrier.create_shipment("o-1", await to_branch(carrier), PARCEL, "branch")
    assert fake.parcels[waybill.ref]["barCode"] == waybill.tracking_number
    assert (await carrier.track(waybill.tracking_number)).status == TrackingStatus.CREATED
    for event in ("ACCEPTED", "AT_BRANCH", "DELIVERED"):
        httpx.post(
            f"{fake.base}/_control/advance",
            json={"barcode": waybill.tracking_number, "event": event},
        )
    tracking = await carrier.track(waybill.tracking_number)
    assert [e.status for e in tracking.events] == [
        TrackingStatus.CREATED,
        TrackingStatus.IN_TRANSIT,
        TrackingStatus.ARRIVED_AT_PICKUP_POINT,
        TrackingStatus.DELIVERED,
    ]
    assert (await carrier.label(waybill)).content.startswith(b"%PDF")


async def test_a_new_parcel_is_cancelled_one_in_work_is_not(fake, carrier_http):
    carrier = adapter(fake, carrier_http)
    destination = await to_branch(carrier)
    first = await carrier.create_shipment("o-1", destination, PARCEL, "branch")
    await carrier.cancel(first.ref)
    assert (await carrier.track(first.tracking_number)).status == TrackingStatus.CANCELLED
    second = await carrier.create_shipment("o-2", destination, PARCEL, "branch")
    httpx.post(
        f"{fake.base}/_control/advance",
        json={"barcode": second.tracking_number, "event": "ACCEPTED"},
    )
    with pytest.raises(CarrierRefused) as refused:
        await carrier.cancel(second.ref)
    assert refused.value.message == "meest refused to cancel the parcel"


async def test_a_wrong_password_is_the_carrier_unavailable(fake, carrier_http):
    with pytest.raises(CarrierUnavailable) as failed:
        await adapter(fake, carrier_http, password="wrong").search_cities("Київ", 5)
    assert failed.value.message == "meest could not log in: the login was refused"


async def test_an_error_answer_is_a_refusal_naming_the_carrier(fake, carrier_http):
    carrier = adapter(fake, carrier_http)
    destination = await to_branch(carrier)
    httpx.post(f"{fake.base}/_control/fail_next", json={"message": "Receiver phone is invalid"})
    with pytest.raises(CarrierRefused) as refused:
        await carrier.create_shipment("o-3", destination, PARCEL, "branch")
    assert refused.value.message == "meest refused to create the parcel"
    assert refused.value.provider_text == "Receiver phone is invalid"
    assert fake.parcels == {}


async def test_a_slow_answer_is_a_timeout(fake, carrier_http):
    carrier = adapter(fake, carrier_http)
    await carrier.search_cities("Київ", 1)
    httpx.post(f"{fake.base}/_control/delay", json={"seconds": 2})
    with pytest.raises(CarrierUnavailable) as failed:
        await carrier.quote(await to_branch(carrier), PARCEL, "UAH", NOW)
    assert "timeout" in failed.value.message
