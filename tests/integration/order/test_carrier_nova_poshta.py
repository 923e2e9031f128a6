"""The Nova Poshta adapter against its fake over loopback HTTP: cities and branches, quotes,
waybills created and cancelled, tracking to delivered, the label, and each kind of failure."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from fakes.nova_poshta_fake import API_KEY, KYIV, SENDER, NovaPoshtaFake

from omni_kit.outbound import OutboundClient
from omni_order.carriers.base import (
    CarrierRefused,
    CarrierUnavailable,
    Destination,
    Parcel,
    PointKind,
    TrackingStatus,
)
from omni_order.carriers.nova_poshta import NovaPoshta, Sender

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
PARCEL = Parcel(weight_grams=1500, declared_minor=250_000)


@pytest.fixture
def fake() -> Iterator[NovaPoshtaFake]:
    server = NovaPoshtaFake().start()
    yield server
    server.stop()


def adapter(fake: NovaPoshtaFake, http: OutboundClient, key: str = API_KEY) -> NovaPoshta:
    sender = Sender(
        city_ref=SENDER["CitySender"],
        counterparty_ref=SENDER["Sender"],
        address_ref=SENDER["SenderAddress"],
        contact_ref=SENDER["ContactSender"],
        phone="+" + SENDER["SendersPhone"],
    )
    return NovaPoshta(
        http, api_url=f"{fake.base}/v2.0/json/", print_url=fake.base, api_key=key, sender=sender
    )


async def branch_in_lviv(carrier: NovaPoshta) -> Destination:
    [city] = await carrier.search_cities("Льв", 5)
    points = await carrier.pickup_points(city.ref, "", 10)
    branch = next(p for p in points if p.kind == PointKind.BRANCH)
    return Destination(
        country_code="UA",
        city=branch.city,
        point_ref=branch.ref,
        city_ref=city.ref,
        recipient_name="Олена Коваль",
        recipient_phone="+380671112233",
    )


async def test_cities_and_branches_and_lockers(fake, carrier_http):
    carrier = adapter(fake, carrier_http)
    [city] = await carrier.search_cities("Київ", 5)
    assert (city.ref, city.name, city.region) == (KYIV, "Київ", "Київська")
    points = await carrier.pickup_points(KYIV, "", 10)
    assert [p.kind for p in points] == [PointKind.BRANCH, PointKind.BRANCH, PointKind.PARCEL_LOCKER]
    assert points[2].max_weight_grams == 30_000
    assert await carrier.pickup_point(KYIV, points[0].ref) == points[0]
    assert await carrier.pickup_point(KYIV, "no-such-ref") is None


async def test_quotes_in_hryvnias_to_a_branch_and_to_the_door(fake, carrier_http):
    carrier = adapter(fake, carrier_http)
    [to_branch] = await carrier.quote(await branch_in_lviv(carrier), PARCEL, "UAH", NOW)
    # 60 + 10 per started kilogram (2): 80.00 UAH; two days from Kyiv to Lviv.
    assert (to_branch.amount_minor, to_branch.currency, to_branch.service_level) == (
        8000,
        "UAH",
        "branch",
    )
    assert to_branch.latest.date().isoformat() == "2026-12-09"
    door = Destination(country_code="UA", city="Київ", lines=("Хрещатик, 1",))
    [to_door] = await carrier.quote(door, PARCEL, "UAH", NOW)
    assert (to_door.amount_minor, to_door.service_level) == (11500, "courier")
    assert await carrier.quote(door, PARCEL, "EUR", NOW) == []  # hryvnias only
    assert (
        await carrier.quote(Destination(country_code="PL", city="Kraków"), PARCEL, "UAH", NOW) == []
    )


async def test_a_waybill_is_created_tracked_to_delivered_and_labelled(fake, carrier_http):
    carrier = adapter(fake, carrier_http)
    destination = await branch_in_lviv(carrier)
    waybill = await carrier.create_shipment("261207-ABC123/1", destination, PARCEL, "branch")
    stored = fake.documents[waybill.tracking_number]
    assert stored["Ref"] == waybill.ref
    assert stored["properties"]["RecipientAddress"] == destination.point_ref
    assert stored["properties"]["RecipientsPhone"] == "380671112233"
    assert (await carrier.track(waybill.tracking_number)).status == TrackingStatus.CREATED
    seen = []
    for code in ("5", "7", "9"):
        httpx.post(
            f"{fake.base}/_control/advance",
            json={"number": waybill.tracking_number, "status_code": code},
        )
        tracking = await carrier.track(waybill.tracking_number)
        seen.append(tracking.status)
    assert seen == [
        TrackingStatus.IN_TRANSIT,
        TrackingStatus.ARRIVED_AT_PICKUP_POINT,
        TrackingStatus.DELIVERED,
    ]
    label = await carrier.label(waybill)
    assert label.content_type == "application/pdf" and label.content.startswith(b"%PDF")


async def test_a_waybill_not_handed_over_is_cancelled_one_on_its_way_is_not(fake, carrier_http):
    carrier = adapter(fake, carrier_http)
    destination = await branch_in_lviv(carrier)
    first = await carrier.create_shipment("o-1", destination, PARCEL, "branch")
    await carrier.cancel(first.ref)
    assert (await carrier.track(first.tracking_number)).status == TrackingStatus.CANCELLED
    second = await carrier.create_shipment("o-2", destination, PARCEL, "branch")
    httpx.post(
        f"{fake.base}/_control/advance", json={"number": second.tracking_number, "status_code": "5"}
    )
    with pytest.raises(CarrierRefused) as refused:
        await carrier.cancel(second.ref)
    assert refused.value.message == "nova_poshta refused to cancel the waybill"
    assert "already sent" in refused.value.provider_text  # for the log, not the customer


async def test_a_bad_api_key_is_the_carrier_unavailable_not_a_refusal(fake, carrier_http):
    carrier = adapter(fake, carrier_http, key="not-the-key")
    with pytest.raises(CarrierUnavailable) as failed:
        await carrier.search_cities("Київ", 5)
    assert failed.value.message == "nova_poshta could not search cities: the API key was refused"
    assert fake.documents == {}


async def test_an_error_envelope_is_a_refusal_naming_the_carrier(fake, carrier_http):
    carrier = adapter(fake, carrier_http)
    httpx.post(f"{fake.base}/_control/fail_next", json={"errors": ["CityRecipient is invalid"]})
    with pytest.raises(CarrierRefused) as refused:
        await carrier.quote(await branch_in_lviv(carrier), PARCEL, "UAH", NOW)
    assert refused.value.reason == "CARRIER_REFUSED"
    assert "CityRecipient" not in refused.value.message


async def test_a_slow_answer_is_a_timeout(fake, carrier_http):
    carrier = adapter(fake, carrier_http)
    httpx.post(f"{fake.base}/_control/delay", json={"seconds": 2})
    with pytest.raises(CarrierUnavailable) as failed:
        await carrier.search_cities("Київ", 5)
    assert failed.value.message == "nova_poshta could not search cities: timeout"
