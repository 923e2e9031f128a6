"""Paper receipts for a store with no power: blocks issued at the centre through the gateway
reach the node with the answer to its report; a paper sale keyed twice, or once at the node and
once at the centre, is one order; a number outside the store's blocks is refused naming the
field; the same number with other content is refused at once where it can be, and quarantined
and reported where it arrives later (the node's sync)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from conftest import STORE_ID, STORE_ZONE
from pymongo import AsyncMongoClient
from store_node_stack import Gateway, StoreStack, wait_until

from omni.common.v1 import common_pb2
from omni.inventory.v1 import inventory_pb2
from omni_inventory.api.locations import _document
from omni_kit.paper import paper_sale_id

OTHER_STORE = "loc_paper_other_store"


async def seed_store(mongo: AsyncMongoClient, db_name: str) -> None:
    """The node's store as a location at the centre, in its zone (the stack's store id is
    fixed, so it is written as the inventory service writes a location)."""
    location = inventory_pb2.StockLocation(
        id=STORE_ID,
        code="PAPER-01",
        name="Omni paper store",
        kind=inventory_pb2.LOCATION_KIND_STORE,
        time_zone=STORE_ZONE,
        geo=common_pb2.GeoPoint(lat=50.45, lng=30.52),
        active=True,
        version=1,
    )
    await mongo[f"{db_name}_inventory"]["locations"].insert_one(_document(location))


def paper(number: int, quantity: int = 1, **changes: Any) -> dict[str, Any]:
    return {
        "paper_receipt_number": number,
        "till_id": "till-2",
        "written_at": "2026-12-07T14:05:00",  # Kyiv, UTC+2 in December
        "tender": "cash",
        "currency": "EUR",
        "lines": [{"sku": "TEE-M", "quantity": quantity, "unit_price_minor": 1999}],
    } | changes


@pytest.mark.timeout(600)
async def test_a_paper_receipt_is_one_order_wherever_and_however_often_it_is_keyed(
    store_stack: StoreStack, centre_gateway: Gateway, mongo: AsyncMongoClient, db_name: str
):
    http, node, centre = store_stack.http, store_stack.node, store_stack.centre
    await seed_store(mongo, db_name)
    gateway = centre_gateway.base
    manager = await centre_gateway.staff_member(http, "pat", "store_manager", [STORE_ID])
    associate = await centre_gateway.staff_member(http, "ivy", "associate", [STORE_ID])
    admin = await centre_gateway.sign_in(http, "admin", "admin-password-123")
    blocks_url = f"{gateway}/staff/v1/stores/{STORE_ID}/paper-receipt-blocks"

    refused = await http.post(blocks_url, json={"count": 50}, headers=associate)
    assert refused.status_code == 403, refused.text
    too_many = await http.post(blocks_url, json={"count": 0}, headers=manager)
    assert too_many.status_code in (400, 422) and "count" in too_many.text
    ours = (await http.post(blocks_url, json={"count": 50}, headers=manager)).json()
    other = await http.post(
        f"{gateway}/staff/v1/stores/{OTHER_STORE}/paper-receipt-blocks",
        json={"count": 20},
        headers=admin,
    )
    assert other.status_code == 201, other.text
    theirs = other.json()
    more = (await http.post(blocks_url, json={"count": 5}, headers=manager)).json()
    spans = sorted((b["first"], b["last"]) for b in (ours, theirs, more))
    assert all(a_last < b_first for (_, a_last), (b_first, _) in itertools.pairwise(spans))
    assert ours["last"] - ours["first"] == 49 and ours["store_id"] == STORE_ID
    listed = (await http.get(blocks_url, headers=associate)).json()["blocks"]
    assert [b["id"] for b in listed] == [ours["id"], more["id"]]

    node_url = f"http://127.0.0.1:{node.port}/pos/v1"

    async def node_has_blocks() -> bool:
        blocks = (await http.get(f"{node_url}/paper-receipt-blocks")).json()
        return len(blocks) == 2

    await wait_until(node_has_blocks, 60, lambda: node.log.read_text()[-2000:])

    # Keyed at the node (twice), then at the centre: one order.
    first = ours["first"]
    at_node = await http.post(f"{node_url}/paper-sales", json=paper(first))
    assert at_node.status_code == 201, at_node.text
    receipt = at_node.json()
    assert receipt["sale_id"] == paper_sale_id(STORE_ID, first)
    assert receipt["paper_receipt_number"] == first and receipt["till_number"] == 0
    assert receipt["sold_at"].startswith("2026-12-07T12:05:00")
    assert receipt["synced"] and not receipt["offline"]
    again = await http.post(f"{node_url}/paper-sales", json=paper(first))
    assert again.status_code == 200 and again.json() == receipt
    sales_url = f"{gateway}/staff/v1/stores/{STORE_ID}/paper-sales"
    at_centre = await http.post(sales_url, json=paper(first), headers=associate)
    assert at_centre.status_code == 201, at_centre.text
    assert at_centre.json()["created"] is False
    assert at_centre.json()["sale_id"] == receipt["sale_id"]

    # Keyed twice at the centre: one order.
    second = first + 1
    keyed = [await http.post(sales_url, json=paper(second, 3), headers=associate) for _ in range(2)]
    assert [r.status_code for r in keyed] == [201, 201], keyed[0].text
    assert [r.json()["created"] for r in keyed] == [True, False]
    assert keyed[0].json()["order_id"] == keyed[1].json()["order_id"]
    assert keyed[0].json()["sold_at"].startswith("2026-12-07T12:05:00")

    # Outside the store's blocks (another store's number, a number never issued): refused.
    for number in (theirs["first"], more["last"] + 10_000):
        outside = await http.post(sales_url, json=paper(number), headers=associate)
        assert outside.status_code in (400, 422), outside.text
        assert outside.json()["errors"][0]["field"] == "paper_receipt_number"
        at_node_outside = await http.post(f"{node_url}/paper-sales", json=paper(number))
        assert at_node_outside.status_code == 422, at_node_outside.text
        assert at_node_outside.json()["field"] == "paper_receipt_number"
        assert not await centre.mongo[centre.order_db]["orders"].find_one(
            {"store_sale_id": paper_sale_id(STORE_ID, number)}
        )

    # The same number with other content: refused where the first keying is known...
    other_at_centre = await http.post(sales_url, json=paper(first, 2), headers=associate)
    assert other_at_centre.status_code == 409, other_at_centre.text
    assert other_at_centre.json()["errors"][0]["field"] == "paper_receipt_number"
    other_at_node = await http.post(f"{node_url}/paper-sales", json=paper(first, tender="card"))
    assert other_at_node.status_code == 422 and other_at_node.json()["field"] == "card_token"
    other_at_node = await http.post(
        f"{node_url}/paper-sales", json=paper(first, written_at="2026-12-07T14:06:00")
    )
    assert other_at_node.status_code == 409, other_at_node.text
    assert other_at_node.json()["field"] == "paper_receipt_number"
    # ...and quarantined and reported when the node forwards a keying the centre had otherwise.
    third = first + 2
    assert (await http.post(sales_url, json=paper(third), headers=associate)).status_code == 201
    late = await http.post(f"{node_url}/paper-sales", json=paper(third, 4))
    assert late.status_code == 201, late.text
    status = await node.status(http)
    assert status["sales_quarantined"] == 1 and status["sales_waiting"] == 0

    orders = centre.mongo[centre.order_db]["orders"]
    for number, quantity in ((first, 1), (second, 3), (third, 1)):
        sale_id = paper_sale_id(STORE_ID, number)
        recorded = await orders.find({"store_sale_id": sale_id}).to_list()
        assert len(recorded) == 1
        assert recorded[0]["store_sale"]["paper_receipt_number"] == number
        assert sum(line["quantity"] for line in recorded[0]["lines"]) == quantity
    quarantine = centre.mongo[centre.order_db]["store_sale_quarantine"]
    assert await quarantine.count_documents({}) == 2
    assert await quarantine.count_documents({"sale_id": paper_sale_id(STORE_ID, third)}) == 1
