"""Location documents written before the city filter existed get their city key once, at start,
and are found by city afterwards; a location change publishes LocationChanged."""

from __future__ import annotations

import asyncio

from omni.common.v1 import common_pb2
from omni.inventory.v1 import events_pb2, inventory_pb2


async def test_old_locations_are_found_by_city_after_the_migration(start_inventory, mongo, db_name):
    database = mongo[f"{db_name}_inventory"]
    # As version 1 of the locations collection stored them: no city_key.
    await database["locations"].insert_one(
        {
            "_id": "loc_old",
            "code": "POZ-01",
            "name": "Poznań Stary Rynek",
            "kind": "LOCATION_KIND_STORE",
            "address": {"city": "Poznań", "postal_code": "61-772"},
            "active": True,
            "version": 1,
        }
    )
    await database["schema_versions"].insert_one({"_id": "locations", "version": 1})
    inventory = await start_inventory()
    stored = await database["locations"].find_one({"_id": "loc_old"})
    assert stored["city_key"] == "poznan"
    reply = await inventory.stub.ListStockLocations(
        inventory_pb2.ListStockLocationsRequest(city="POZNAN")
    )
    assert [location.code for location in reply.locations] == ["POZ-01"]
    versions = await database["schema_versions"].find_one({"_id": "locations"})
    assert versions["version"] == 2


async def test_a_location_change_is_published(start_inventory, nc):
    inventory = await start_inventory()
    seen: list[events_pb2.LocationChanged] = []
    got = asyncio.Event()

    async def on(message) -> None:
        seen.append(events_pb2.LocationChanged.FromString(message.data))
        got.set()

    await nc.subscribe("omni.inventory.location.changed", cb=on)
    created = await inventory.stub.CreateStockLocation(
        inventory_pb2.CreateStockLocationRequest(
            location=inventory_pb2.StockLocation(
                code="SZZ-01",
                name="Szczecin",
                kind=inventory_pb2.LOCATION_KIND_STORE,
                address=common_pb2.Address(city="Szczecin"),
                time_zone="Europe/Warsaw",
            )
        )
    )
    await asyncio.wait_for(got.wait(), 15)
    assert seen[0].location.id == created.location.id
    assert seen[0].location.time_zone == "Europe/Warsaw"
