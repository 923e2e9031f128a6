"""The inventory's reads, issued by its own List handlers and look-ups, on 1,500 SKUs in five
locations with their reservations, ledger, transfers and inbound stock.

Every read is an index range (no collection scan, no `$and`/`$or` wrapper) that touches about
a page: newest-first lists walk back from now in windows of their creation time, oldest-first
ones (a location's stock by SKU, inbound by expected time, the ledger by sequence, the stock
feed by update time) walk up from their branch's floor. The rows are seeded around the API, so
the floors are built from them the way the migration builds them for rows written before the
floors were kept. Shapes still too costly are in KNOWN with the reason."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from plans import judge, seeded_ids

from omni.common.v1 import common_pb2
from omni.inventory.v1 import inventory_pb2 as I
from omni_inventory.api import InventoryApi
from omni_inventory.expiry import sweep_once
from omni_inventory.settings import InventorySettings
from omni_inventory.store import INDEXES, Collections
from omni_inventory.store.changes import inactive_locations, load_policies, total_available
from omni_inventory.store.listing import rebuild_floors
from omni_inventory.store.reservations import units_held
from omni_kit.store import ensure_indexes, transaction

new_id = seeded_ids(27)

NOW = datetime.now(UTC).replace(microsecond=0)
SKUS = [f"SKU-{n:05d}" for n in range(1500)]
LOCATIONS = ["loc_mitte", "loc_xberg", "loc_praga", "loc_lviv", "loc_wh"]
# Shapes still judged too costly, with the reason; the test fails on anything else. (A known
# one that stops failing may stay listed: its windows depend on the densities seen.)
KNOWN = {
    "the stock feed, first sync": (
        "its windows of update times read every level and keep a SKU's latest: a window sized "
        "from a density measured while galloping can hold two to three pages (SecantusDB sorts "
        "them in memory; MongoDB walks the (updated_at, _id) index)"
    ),
}
RESERVATION_STATUSES = [
    "RESERVATION_STATUS_ACTIVE",
    "RESERVATION_STATUS_COMMITTED",
    "RESERVATION_STATUS_RELEASED",
    "RESERVATION_STATUS_EXPIRED",
]


@pytest.fixture
async def inventory(recorded, db_name):
    client, recorder = recorded
    db = client[db_name]
    await ensure_indexes(db, INDEXES)
    rng = random.Random(26)
    await db["locations"].insert_many(
        [{"_id": loc, "code": loc.upper(), "active": True} for loc in LOCATIONS]
    )
    stock = []
    for sku in SKUS:
        for loc in LOCATIONS:
            on_hand = rng.choice([0, 0, 3, 10, 40])
            stock.append(
                {
                    "_id": f"{sku}@{loc}",
                    "sku": sku,
                    "location_id": loc,
                    "on_hand": on_hand,
                    "reserved": 0,
                    "damaged": 0,
                    "safety_stock": 0,
                    "free": on_hand,
                    "available": on_hand,
                    "inbound": 0,
                    "low_stock_threshold": 0,
                    "version": 1,
                    "updated_at": NOW - timedelta(minutes=rng.randrange(90 * 1440)),
                }
            )
    await db["stock"].insert_many(stock)
    reservations = []
    for n in range(1500):
        cart = rng.random() < 0.6
        skus = sorted(rng.sample(SKUS, 2))
        reservations.append(
            {
                "_id": new_id("res"),
                "kind": "RESERVATION_KIND_CART_HOLD" if cart else "RESERVATION_KIND_ORDER",
                "status": rng.choice(RESERVATION_STATUSES),
                "owner": {"cart_id": f"cart_{n}", "customer_id": f"cus_{n % 300}"}
                if cart
                else {"order_id": f"ord_{n}", "customer_id": f"cus_{n % 300}"},
                "holder": f"customer:cus_{n % 300}",
                "skus": skus,
                "location_ids": [rng.choice(LOCATIONS)],
                "created_at": NOW - timedelta(minutes=rng.randrange(90 * 1440)),
                "expires_at": NOW + timedelta(minutes=rng.randrange(-60, 60)),
                "held": 1,
            }
        )
    await db["reservations"].insert_many(reservations)
    await db["ledger"].insert_many(
        [
            {
                "_id": new_id("led"),
                "sku": rng.choice(SKUS),
                "location_id": rng.choice(LOCATIONS),
                "kind": "MOVEMENT_KIND_RECEIPT",
                "occurred_at": NOW - timedelta(minutes=6000 - n),
                "seq": 1_700_000_000_000_000_000 + n * 1_000_000_000,
            }
            for n in range(6000)
        ]
    )
    await db["transfers"].insert_many(
        [
            {
                "_id": new_id("trf"),
                "from_location_id": "loc_wh",
                "to_location_id": rng.choice(LOCATIONS[:4]),
                "status": rng.choice(["TRANSFER_STATUS_REQUESTED", "TRANSFER_STATUS_RECEIVED"]),
                "created_at": NOW - timedelta(minutes=rng.randrange(90 * 1440)),
            }
            for _ in range(300)
        ]
    )
    await db["inbound"].insert_many(
        [
            {
                "_id": new_id("inb"),
                "sku": rng.choice(SKUS),
                "location_id": rng.choice(LOCATIONS),
                "status": rng.choice(["INBOUND_STATUS_EXPECTED", "INBOUND_STATUS_RECEIVED"]),
                "quantity": 5,
                "expected_at": NOW + timedelta(hours=rng.randrange(-2000, 2000)),
            }
            for _ in range(600)
        ]
    )
    await rebuild_floors(db["floors"])
    collections = Collections(db)
    settings = InventorySettings(mongo_database=db_name)
    api = InventoryApi(SimpleNamespace(db=db), collections, settings)  # type: ignore[arg-type]
    return client, recorder, api, collections, reservations


async def pages(call, request, field: str, count: int = 2) -> None:
    for _ in range(count):
        reply = await call(request, None)
        if not reply.next_page_token:
            return
        request.page_token = reply.next_page_token


# Seeding ten thousand rows and explaining every window each list read takes minutes on a
# loaded machine.
@pytest.mark.timeout(300)
async def test_every_inventory_read_is_an_index_range(inventory):
    client, recorder, api, collections, reservations = inventory
    some = reservations[7]
    lists = {
        "a SKU's stock": (api.ListStockLevels, I.ListStockLevelsRequest(skus=[SKUS[3]])),
        "three SKUs' stock": (api.ListStockLevels, I.ListStockLevelsRequest(skus=SKUS[10:13])),
        "a SKU's stock at a location": (
            api.ListStockLevels,
            I.ListStockLevelsRequest(skus=[SKUS[4]], location_ids=["loc_lviv"]),
        ),
        "a location's stock": (
            api.ListStockLevels,
            I.ListStockLevelsRequest(location_ids=["loc_mitte"], page_size=50),
        ),
        "a location's stock, non-zero": (
            api.ListStockLevels,
            I.ListStockLevelsRequest(location_ids=["loc_xberg"], non_zero_only=True),
        ),
        "an order's reservation": (
            api.ListReservations,
            I.ListReservationsRequest(order_id=some["owner"].get("order_id", "ord_1")),
        ),
        "a cart's holds": (api.ListReservations, I.ListReservationsRequest(cart_id="cart_2")),
        "a customer's reservations": (
            api.ListReservations,
            I.ListReservationsRequest(customer_id="cus_5", page_size=2),
        ),
        "reservations of a SKU": (
            api.ListReservations,
            I.ListReservationsRequest(sku=SKUS[20], page_size=1),
        ),
        "active reservations": (
            api.ListReservations,
            I.ListReservationsRequest(statuses=[I.RESERVATION_STATUS_ACTIVE]),
        ),
        "every reservation": (api.ListReservations, I.ListReservationsRequest()),
        "a location's transfers": (
            api.ListTransfers,
            I.ListTransfersRequest(location_id="loc_lviv", page_size=20),
        ),
        "every transfer": (api.ListTransfers, I.ListTransfersRequest(page_size=20)),
        "a SKU's inbound": (api.ListInbound, I.ListInboundRequest(sku=SKUS[1])),
        "a location's inbound": (
            api.ListInbound,
            I.ListInboundRequest(location_id="loc_praga", page_size=20),
        ),
        "expected inbound": (
            api.ListInbound,
            I.ListInboundRequest(statuses=[I.INBOUND_STATUS_EXPECTED], page_size=20),
        ),
        "a SKU's ledger at a location": (
            api.ListLedgerEntries,
            I.ListLedgerEntriesRequest(sku=SKUS[9], location_id="loc_wh"),
        ),
        "a SKU's ledger": (api.ListLedgerEntries, I.ListLedgerEntriesRequest(sku=SKUS[9])),
        "a location's ledger": (
            api.ListLedgerEntries,
            I.ListLedgerEntriesRequest(location_id="loc_wh"),
        ),
        "policies": (api.ListChannelStockPolicies, I.ListChannelStockPoliciesRequest()),
        "locations": (api.ListStockLocations, I.ListStockLocationsRequest()),
    }
    for label, (call, request) in lists.items():
        size = request.page_size if hasattr(request, "page_size") and request.page_size else 50
        with recorder.shape(label, page=size):
            await pages(call, request, label)
    web = common_pb2.ChannelRef(channel=common_pb2.SALES_CHANNEL_WEB)
    with recorder.shape("the stock feed, first sync"):
        await pages(api.ListStockFeed, I.ListStockFeedRequest(channel=web, page_size=50), "feed")
    with recorder.shape("a SKU's availability", page=10):
        await api.GetAvailableToPromise(I.GetAvailableToPromiseRequest(skus=[SKUS[5]]), None)
        await total_available(collections, SKUS[5])
    with recorder.shape("look-ups", page=10):
        await api.GetReservation(I.GetReservationRequest(reservation_id=some["_id"]), None)
        await inactive_locations(collections)
        await load_policies(collections)
    with recorder.shape("expiry sweep", page=200):
        await sweep_once_readonly(api)
    with recorder.shape("a holder's live holds", page=10):
        await units_held_in_a_transaction(client, collections)

    failing: dict[str, list[str]] = {}
    for issued in recorder.issued:
        for problem in await judge(client, issued):
            failing.setdefault(issued.label, []).append(problem)
    unexpected = {label: found for label, found in failing.items() if label not in KNOWN}
    assert not unexpected, "\n".join(p for found in unexpected.values() for p in found)
    scans = [p for found in failing.values() for p in found if "collection scan" in p]
    assert not scans, "\n".join(scans)
    assert recorder.labels() >= {*lists, "the stock feed, first sync"}


async def sweep_once_readonly(api) -> None:
    """The expiry sweep's reads (expiring is a write this test does not need)."""

    async def nothing(_: str) -> bool:
        return False

    original, api.expire = api.expire, nothing
    try:
        await sweep_once(api)
    finally:
        api.expire = original


async def units_held_in_a_transaction(client, collections) -> None:
    async def work(session) -> int:
        return await units_held(collections, session, "customer:cus_3", NOW)

    await transaction(client, work)
