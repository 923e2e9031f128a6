"""The store node keeps selling with the link to the centre cut, every sale is on disk before its
receipt, and the sales reach the centre exactly once, through kills of the node, the centre's
order service and the link, and replays of the whole journal."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from google.protobuf.field_mask_pb2 import FieldMask
from store_node_stack import TILLS, StoreStack, p95, sell, sell_from_tills, wait_until

from omni.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from omni.common.v1 import common_pb2
from omni_kit.app import channel

# Offline sales: 1,000 in the words (334 per till, 1,002 in all). The kill-and-replay
# test forwards its journal four times (once cut short by the kills): 300 sales keep it within
# minutes on a loaded machine, where the centre records about six till sales a second.
PER_TILL = 334
REPLAYED_PER_TILL = 100
ONLINE_PER_TILL = 20
SYNC_WITHIN = 600


async def synced(stack: StoreStack) -> None:
    async def drained() -> bool:
        status = await stack.node.status(stack.http)
        return status["online"] and status["sales_waiting"] == 0

    await wait_until(drained, SYNC_WITHIN, lambda: stack.node.log.read_text()[-3000:])


async def assert_centre_has_the_journal(stack: StoreStack) -> None:
    rows = stack.node.journal_rows()
    at_centre = await stack.centre.sales()
    ids = Counter(sale["store_sale_id"] for sale in at_centre)
    assert not [sale_id for sale_id, n in ids.items() if n > 1], "a sale recorded twice"
    assert set(ids) == {row["sale_id"] for row in rows}
    assert {row["state"] for row in rows} == {"recorded"}
    paid = sum(int(sale["payments"][0]["captured_amount"]["amount_minor"]) for sale in at_centre)
    assert paid == sum(row["total_minor"] for row in rows)
    assert await stack.centre.quarantined() == 0
    for till in TILLS:
        numbers = sorted(row["till_number"] for row in rows if row["till_id"] == till)
        assert numbers == list(range(1, len(numbers) + 1)), f"{till} numbers have a gap"


@pytest.mark.timeout(900)
async def test_tills_sell_through_an_outage_and_the_centre_gets_each_sale_once(
    store_stack: StoreStack,
):
    online, online_took = await sell_from_tills(store_stack.http, store_stack.node, ONLINE_PER_TILL)
    assert all(not r["offline"] and r["synced"] for r in online)

    store_stack.link.kill()
    offline, offline_took = await sell_from_tills(store_stack.http, store_stack.node, PER_TILL)
    assert all(r["offline"] and not r["synced"] for r in offline)
    status = await store_stack.node.status(store_stack.http)
    assert not status["online"]
    assert status["offline_since"]
    assert status["sales_waiting"] == len(offline) == 3 * PER_TILL
    online_p95, offline_p95 = p95(online_took), p95(offline_took)
    print(f"sale p95 online {online_p95 * 1000:.1f} ms, offline {offline_p95 * 1000:.1f} ms")
    assert offline_p95 <= 1.2 * online_p95

    store_stack.link.start()
    started = asyncio.get_running_loop().time()
    await synced(store_stack)
    print(
        f"{len(offline)} offline sales synced in {asyncio.get_running_loop().time() - started:.1f} s"
    )
    await assert_centre_has_the_journal(store_stack)
    assert len(await store_stack.centre.sales()) == len(online) + len(offline)


@pytest.mark.timeout(900)
async def test_kills_mid_sync_and_two_replays_still_leave_exactly_one_order_per_sale(
    store_stack: StoreStack,
):
    stack = store_stack
    stack.link.kill()
    offline, _ = await sell_from_tills(stack.http, stack.node, REPLAYED_PER_TILL)
    total = len(offline)

    stack.link.start()

    async def some_recorded() -> bool:
        return len(await stack.centre.sales()) >= total // 4

    await wait_until(some_recorded, SYNC_WITHIN, "a quarter of the sales at the centre")
    print(
        f"killed the node and the order service with {len(await stack.centre.sales())} of {total} at the centre"
    )
    stack.node.kill()
    stack.centre.kill_order()
    mid_sync = len(await stack.centre.sales())
    assert mid_sync < total, "the sync finished before the kills: nothing was tested"
    stack.centre.start_order()
    stack.node.start()
    await wait_until(lambda: stack.node.ready(stack.http), 90, "the node back")
    await synced(stack)
    await assert_centre_has_the_journal(stack)

    for _ in range(2):
        stack.node.kill()
        stack.node.forget_progress()
        stack.node.start()
        await wait_until(lambda: stack.node.ready(stack.http), 90, "the node back")
        await synced(stack)
        await assert_centre_has_the_journal(stack)
    assert len(await stack.centre.sales()) == total


@pytest.mark.timeout(300)
async def test_a_sale_is_there_after_the_node_is_killed_right_after_its_receipt(
    store_stack: StoreStack,
):
    stack = store_stack
    stack.link.kill()
    kept = []
    for n in range(3):
        receipt, _ = await sell(stack.http, stack.node, "till-1", n)
        stack.node.kill()
        kept.append(receipt)
        stack.node.start()
        await wait_until(lambda: stack.node.ready(stack.http), 90, "the node back")
    for receipt in kept:
        reply = await stack.http.get(
            f"http://127.0.0.1:{stack.node.port}/pos/v1/sales/{receipt['sale_id']}"
        )
        assert reply.status_code == 200, reply.text
        assert reply.json()["till_number"] == receipt["till_number"]
        assert reply.json()["total"] == receipt["total"]
    assert [r["till_number"] for r in kept] == [1, 2, 3]
    stack.link.start()
    await synced(stack)
    await assert_centre_has_the_journal(stack)


@pytest.mark.timeout(300)
async def test_a_price_changed_at_the_centre_reaches_the_tills_by_its_event(
    store_stack: StoreStack,
):
    stack = store_stack
    base = f"http://127.0.0.1:{stack.node.port}/pos/v1/products/TEE-M"
    before = (await stack.http.get(base)).json()
    assert before["price"]["amount_minor"] == 1999
    ch = channel(f"127.0.0.1:{stack.centre.apps['catalog'].port}", default_timeout=30)
    await catalog_pb2_grpc.CatalogServiceStub(ch).UpdateChannelListing(
        catalog_pb2.UpdateChannelListingRequest(
            listing=catalog_pb2.ChannelListing(
                product_id=before["product_id"],
                channel=common_pb2.ChannelRef(channel=common_pb2.SALES_CHANNEL_POS),
                price=common_pb2.Money(amount_minor=1799, currency_code="EUR"),
            ),
            update_mask=FieldMask(paths=["price"]),
            expected_version=before["listing_version"],
        )
    )
    await ch.close()

    async def repriced() -> bool:
        return (await stack.http.get(base)).json()["price"]["amount_minor"] == 1799

    await wait_until(repriced, 60, "the node's price of TEE-M after the centre changed it")
    receipt, _ = await sell(stack.http, stack.node, "till-1", 0)
    assert receipt["total"]["amount_minor"] == 1799
