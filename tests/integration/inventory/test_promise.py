"""Available-to-promise per channel and location, click & collect near a point, sourcing plans,
and the partner stock feed with updated_since."""

from __future__ import annotations

import asyncio

from google.protobuf.timestamp_pb2 import Timestamp
from inventory_helpers import add_location, receive

from omni.common.v1 import common_pb2
from omni.inventory.v1 import inventory_pb2

MARKETPLACE = common_pb2.ChannelRef(channel=common_pb2.SALES_CHANNEL_MARKETPLACE, partner_id="mp-1")
BERLIN = (52.52, 13.405)


async def stocked(stub):
    """A Berlin store, a Potsdam store and a Hamburg warehouse with a SKU in each."""
    mitte = await add_location(stub, "BER-MITTE", lat=52.52, lng=13.40)
    potsdam = await add_location(stub, "POTSDAM", lat=52.39, lng=13.06, ships=False)
    hamburg = await add_location(
        stub,
        "HAM-WH",
        lat=53.55,
        lng=9.99,
        kind=inventory_pb2.LOCATION_KIND_WAREHOUSE,
        click_and_collect=False,
    )
    await receive(stub, mitte, "SHOE", 2)
    await receive(stub, potsdam, "SHOE", 8)
    await receive(stub, hamburg, "SHOE", 30)
    await receive(stub, hamburg, "LACE", 5)
    return mitte, potsdam, hamburg


async def test_atp_per_channel_share_and_per_location(stub):
    mitte, potsdam, hamburg = await stocked(stub)
    await stub.SetChannelStockPolicy(
        inventory_pb2.SetChannelStockPolicyRequest(
            policy=inventory_pb2.ChannelStockPolicy(
                channel=MARKETPLACE, share_percent=50, buffer_units=2
            )
        )
    )
    web = await stub.GetAvailableToPromise(
        inventory_pb2.GetAvailableToPromiseRequest(skus=["SHOE"])
    )
    shoe = web.availability[0]
    assert shoe.available == 40
    assert shoe.status == inventory_pb2.AVAILABILITY_STATUS_IN_STOCK
    assert {row.location_id: row.available for row in shoe.locations} == {
        mitte: 2,
        potsdam: 8,
        hamburg: 30,
    }
    assert {row.location_id: row.status for row in shoe.locations}[mitte] == (
        inventory_pb2.AVAILABILITY_STATUS_LOW_STOCK
    )

    marketplace = await stub.GetAvailableToPromise(
        inventory_pb2.GetAvailableToPromiseRequest(skus=["SHOE"], channel=MARKETPLACE)
    )
    assert marketplace.availability[0].available == 18

    one = await stub.GetAvailableToPromise(
        inventory_pb2.GetAvailableToPromiseRequest(skus=["SHOE"], location_id=potsdam)
    )
    assert [row.location_id for row in one.availability[0].locations] == [potsdam]
    assert one.availability[0].available == 8


async def test_click_and_collect_near_a_point_lists_nearest_pickup_stores(stub):
    mitte, potsdam, _ = await stocked(stub)
    near = await stub.GetAvailableToPromise(
        inventory_pb2.GetAvailableToPromiseRequest(
            skus=["SHOE"],
            near=common_pb2.GeoPoint(lat=BERLIN[0], lng=BERLIN[1]),
            radius_km=50,
            click_and_collect_only=True,
        )
    )
    rows = near.availability[0].locations
    assert [row.location_id for row in rows] == [mitte, potsdam]
    assert rows[0].distance_km < rows[1].distance_km < 50
    assert near.availability[0].available == 10


async def test_stock_locations_page_nearest_first_with_the_next_page_token(stub):
    mitte, potsdam, hamburg = await stocked(stub)
    near = common_pb2.GeoPoint(lat=BERLIN[0], lng=BERLIN[1])
    seen: list[str] = []
    token = ""
    for _ in range(3):
        page = await stub.ListStockLocations(
            inventory_pb2.ListStockLocationsRequest(near=near, page_size=2, page_token=token)
        )
        seen += [location.id for location in page.locations]
        token = page.next_page_token
        if not token:
            break
    assert seen == [mitte, potsdam, hamburg]
    assert not token


async def test_sources_pickup_store_for_c_and_c_else_fewest_shipments_then_nearest(stub):
    mitte, potsdam, hamburg = await stocked(stub)
    pickup = (
        await stub.SelectSources(
            inventory_pb2.SelectSourcesRequest(
                lines=[inventory_pb2.StockQuantity(sku="SHOE", quantity=2)],
                delivery_mode=common_pb2.DELIVERY_MODE_CLICK_AND_COLLECT,
                pickup_location_id=mitte,
            )
        )
    ).plan
    assert pickup.complete
    assert [s.location_id for s in pickup.shipments] == [mitte]
    assert "pickup store" in pickup.explanations[0]

    home = (
        await stub.SelectSources(
            inventory_pb2.SelectSourcesRequest(
                lines=[
                    inventory_pb2.StockQuantity(sku="SHOE", quantity=2),
                    inventory_pb2.StockQuantity(sku="LACE", quantity=1),
                ],
                delivery_mode=common_pb2.DELIVERY_MODE_HOME_DELIVERY,
                delivery_geo=common_pb2.GeoPoint(lat=BERLIN[0], lng=BERLIN[1]),
            )
        )
    ).plan
    # Mitte is nearer but lacks laces: one shipment from Hamburg beats two.
    assert [s.location_id for s in home.shipments] == [hamburg]
    assert home.shipments[0].distance_km > 200
    assert "HAM-WH" in home.explanations[0]

    nearest = (
        await stub.SelectSources(
            inventory_pb2.SelectSourcesRequest(
                lines=[inventory_pb2.StockQuantity(sku="SHOE", quantity=1)],
                delivery_mode=common_pb2.DELIVERY_MODE_HOME_DELIVERY,
                delivery_geo=common_pb2.GeoPoint(lat=BERLIN[0], lng=BERLIN[1]),
            )
        )
    ).plan
    assert [s.location_id for s in nearest.shipments] == [mitte]
    assert potsdam not in [s.location_id for s in nearest.shipments]

    short = (
        await stub.SelectSources(
            inventory_pb2.SelectSourcesRequest(
                lines=[inventory_pb2.StockQuantity(sku="SHOE", quantity=9)],
                delivery_mode=common_pb2.DELIVERY_MODE_CLICK_AND_COLLECT,
                pickup_location_id=potsdam,
            )
        )
    ).plan
    assert not short.complete
    assert [(s.sku, s.quantity) for s in short.shortfalls] == [("SHOE", 1)]


async def test_partner_feed_shows_the_channel_share_changed_since_a_time(stub):
    mitte, _, _ = await stocked(stub)
    await stub.SetChannelStockPolicy(
        inventory_pb2.SetChannelStockPolicyRequest(
            policy=inventory_pb2.ChannelStockPolicy(channel=MARKETPLACE, share_percent=50)
        )
    )
    everything = await stub.ListStockFeed(
        inventory_pb2.ListStockFeedRequest(channel=MARKETPLACE, page_size=1)
    )
    assert len(everything.items) == 1 and everything.next_page_token
    rest = await stub.ListStockFeed(
        inventory_pb2.ListStockFeedRequest(
            channel=MARKETPLACE, page_token=everything.next_page_token
        )
    )
    assert {i.sku: i.available for i in [*everything.items, *rest.items]} == {
        "SHOE": 20,
        "LACE": 2,
    }
    latest = max(i.updated_at.ToMilliseconds() for i in [*everything.items, *rest.items])
    since = Timestamp()
    since.FromMilliseconds(latest + 1)
    await asyncio.sleep(0.01)
    await receive(stub, mitte, "SHOE", 2)
    changed = await stub.ListStockFeed(
        inventory_pb2.ListStockFeedRequest(channel=MARKETPLACE, updated_since=since)
    )
    assert [(item.sku, item.available) for item in changed.items] == [("SHOE", 21)]
