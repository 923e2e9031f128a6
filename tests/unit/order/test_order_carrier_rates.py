"""The table-rate carrier and checkout's carrier options: zones, weight bands, currencies, the
settings that configure them, and the choices refused with the field that was wrong."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from omni.common.v1 import common_pb2
from omni.order.v1 import order_pb2
from omni_kit.errors import InvalidArgument
from omni_order.carriers.base import Destination, Parcel
from omni_order.carriers.options import carrier_options, parcel_of, priced_delivery
from omni_order.carriers.table_rate import TableRate, TableRateCarrier, default_rates
from omni_order.carriers.wiring import Carriers
from omni_order.domain.common import Price
from omni_order.settings import OrderSettings

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
HOME = common_pb2.DELIVERY_MODE_HOME_DELIVERY
ROWS = [
    TableRate(
        service_level="standard",
        zone=("PL",),
        currency="PLN",
        max_weight_grams=5_000,
        amount_minor=1299,
        earliest_days=1,
        latest_days=2,
    ),
    TableRate(
        service_level="standard",
        zone=("PL",),
        currency="PLN",
        max_weight_grams=30_000,
        amount_minor=2499,
        earliest_days=1,
        latest_days=3,
    ),
    TableRate(
        service_level="standard",
        currency="PLN",
        max_weight_grams=2_000,
        amount_minor=5999,
        earliest_days=3,
        latest_days=7,
    ),
    TableRate(
        service_level="standard",
        currency="EUR",
        max_weight_grams=30_000,
        amount_minor=1499,
        earliest_days=3,
        latest_days=7,
    ),
]
BERLIN = common_pb2.Address(
    name="Anna", lines=["Invalidenstr. 1"], city="Berlin", country_code="DE"
)


async def test_the_narrowest_matching_band_and_the_named_zone_win():
    carrier = TableRateCarrier("post", ROWS)
    home = Destination(country_code="PL", city="Kraków", lines=("Rynek 1",))
    [light] = await carrier.quote(home, Parcel(weight_grams=1_000), "PLN", NOW)
    [heavy] = await carrier.quote(home, Parcel(weight_grams=12_000), "PLN", NOW)
    assert (light.amount_minor, heavy.amount_minor) == (1299, 2499)
    abroad = Destination(country_code="CZ", city="Praha", lines=("Na Příkopě 1",))
    [catch_all] = await carrier.quote(abroad, Parcel(weight_grams=1_000), "PLN", NOW)
    assert catch_all.amount_minor == 5999
    assert await carrier.quote(abroad, Parcel(weight_grams=3_000), "PLN", NOW) == []
    assert await carrier.quote(home, Parcel(weight_grams=1_000), "UAH", NOW) == []


async def test_options_come_only_from_carriers_quoting_the_cart_currency():
    carriers = Carriers([TableRateCarrier("dhl", default_rates())], 500)
    options = await carrier_options(carriers, BERLIN, Parcel(weight_grams=1000), "EUR", NOW)
    assert [(o.option_id, o.price.amount_minor) for o in options] == [
        ("home:dhl:standard", 499),
        ("home:dhl:express", 999),
    ]
    assert await carrier_options(carriers, BERLIN, Parcel(weight_grams=1000), "CHF", NOW) == []


async def test_a_choice_is_priced_again_by_its_carrier_or_refused_naming_the_field():
    carriers = Carriers([TableRateCarrier("dhl", default_rates())], 500)
    choice = order_pb2.DeliveryChoice(mode=HOME, option_id="home:dhl:express", address=BERLIN)
    delivery = await priced_delivery(carriers, choice, Parcel(weight_grams=1000), "EUR", NOW)
    assert (delivery.carrier, delivery.service_level, delivery.price.amount_minor) == (
        "dhl",
        "express",
        999,
    )
    unknown = order_pb2.DeliveryChoice(mode=HOME, option_id="home:ups:standard", address=BERLIN)
    with pytest.raises(InvalidArgument) as refused:
        await priced_delivery(carriers, unknown, Parcel(weight_grams=1000), "EUR", NOW)
    assert refused.value.field == "delivery.option_id"
    nowhere = order_pb2.DeliveryChoice(mode=HOME, option_id="home:dhl:standard")
    with pytest.raises(InvalidArgument) as refused:
        await priced_delivery(carriers, nowhere, Parcel(weight_grams=1000), "EUR", NOW)
    assert refused.value.field == "delivery.address"
    point = order_pb2.DeliveryChoice(mode=HOME, option_id="point:ups:city:ref", address=BERLIN)
    with pytest.raises(InvalidArgument) as refused:
        await priced_delivery(carriers, point, Parcel(weight_grams=1000), "EUR", NOW)
    assert refused.value.field == "delivery.carrier"


def test_table_rates_and_carriers_are_settings(monkeypatch):
    monkeypatch.setenv(
        "OMNI_ORDER_TABLE_RATES",
        '[{"service_level": "standard", "zone": ["PL"], "currency": "PLN",'
        ' "max_weight_grams": 5000, "amount_minor": 1299, "earliest_days": 1, "latest_days": 2}]',
    )
    monkeypatch.setenv("OMNI_ORDER_CARRIERS", "table_rate")
    assert OrderSettings().table_rates == (ROWS[0],)
    monkeypatch.setenv("OMNI_ORDER_CARRIERS", "table_rate,nova_poshta")
    with pytest.raises(ValidationError, match="OMNI_ORDER_NOVA_POSHTA_API_KEY"):
        OrderSettings()
    monkeypatch.setenv("OMNI_ORDER_CARRIERS", "table_rate")
    monkeypatch.setenv(
        "OMNI_ORDER_TABLE_RATES",
        '[{"service_level": "standard", "currency": '
        '"eur", "max_weight_grams": 0, "amount_minor": 1, "earliest_days": 3,'
        ' "latest_days": 1}]',
    )
    with pytest.raises(ValidationError) as bad:
        OrderSettings()
    assert "currency" in str(bad.value) and "max_weight_grams" in str(bad.value)


def test_a_parcel_weighs_its_variants_and_is_as_large_as_the_largest():
    def sized(sku: str, grams: int, sides: tuple[int, int, int]) -> Price:
        return Price(sku, "prd", sku, 100, "EUR", 1, True, grams, sides)

    sizes = {"MUG": sized("MUG", 350, (120, 90, 110)), "POT": sized("POT", 0, (300, 300, 200))}
    parcel = parcel_of([("MUG", 2), ("POT", 1), ("UNKNOWN", 1)], sizes, 500, 1234)
    # 2 x 350 g, the pot and the unknown SKU at the default 500 g each.
    assert parcel.weight_grams == 2 * 350 + 500 + 500
    assert (parcel.length_mm, parcel.width_mm, parcel.height_mm) == (300, 300, 200)
    assert parcel.declared_minor == 1234
