"""The centre sees each store's node: the link is SIGKILLed, and the staff API shows the store
offline since its last report and the gauge behind the alert grows; the link comes back, the
node reports its outage with the sales it held, drains them, and shows online again. Staff of a
store see only their own stores' nodes."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from conftest import ORDER_METRICS_PORT, STORE_ID
from store_node_stack import TILLS, Gateway, StoreStack, sell, wait_until

OFFLINE_SALES = 30
STALE = timedelta(seconds=3)
REPORT_EVERY = timedelta(seconds=0.5)


def at(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


async def node_seen(http: httpx.AsyncClient, gateway: Gateway, headers: dict) -> dict:
    reply = await http.get(f"{gateway.base}/staff/v1/stores/{STORE_ID}/node", headers=headers)
    assert reply.status_code == 200, reply.text
    return reply.json()


async def silence_gauge(http: httpx.AsyncClient) -> float:
    """omni_store_node_seconds_since_contact of this store, as the order service exports it."""
    text = (await http.get(f"http://127.0.0.1:{ORDER_METRICS_PORT}/metrics")).text
    found = re.search(
        rf'^omni_store_node_seconds_since_contact\{{store_id="{STORE_ID}"\}} (\S+)$', text, re.M
    )
    assert found, "the order service exports no gauge for the store"
    return float(found.group(1))


@pytest.mark.timeout(600)
async def test_the_staff_api_shows_a_store_offline_and_back_with_its_waiting_sales(
    store_stack: StoreStack, centre_gateway: Gateway
):
    http, gateway = store_stack.http, centre_gateway
    admin = await gateway.sign_in(http, "admin", "admin-password-123")

    async def online() -> bool:
        seen = await node_seen(http, gateway, admin)
        return seen["online"] and seen["sales_waiting"] == 0 and seen["last_sync_at"] is not None

    await wait_until(online, 120, lambda: store_stack.node.log.read_text()[-2000:])
    first = await node_seen(http, gateway, admin)
    assert first["offline_since"] is None and first["node_version"]
    assert first["oversold_units"] is None, "no quota yet: the node cannot know them"

    for n in range(3):
        receipt, _ = await sell(http, store_stack.node, TILLS[0], n)
        assert receipt["synced"]
    # A report made while a sale was between the journal and the centre counts it: wait for one
    # made after, so the last report before the cut says 0.
    await wait_until(online, 30, "the node did not report its sales forwarded")

    killed_at = datetime.now(UTC)
    store_stack.link.kill()
    receipts = [
        (await sell(http, store_stack.node, TILLS[n % 3], n))[0] for n in range(OFFLINE_SALES)
    ]
    assert all(r["offline"] for r in receipts)

    async def offline() -> bool:
        return not (await node_seen(http, gateway, admin))["online"]

    await wait_until(offline, STALE.total_seconds() + 30, "the centre still shows the node online")
    seen = await node_seen(http, gateway, admin)
    # Offline since the last report that got through: just before the link was cut.
    since = at(seen["offline_since"])
    assert killed_at - REPORT_EVERY - timedelta(seconds=2) <= since <= killed_at
    assert seen["sales_waiting"] == 0, "as last reported: the node could not say more since"
    await wait_until(
        lambda: _gauge_above(http, STALE.total_seconds()), 30, "the gauge did not grow"
    )

    restored_at = datetime.now(UTC)
    store_stack.link.start()

    async def synced_again() -> bool:
        seen = await node_seen(http, gateway, admin)
        last_sync = seen["last_sync_at"]
        return await online() and last_sync is not None and at(last_sync) >= restored_at

    # A report may count the last sale forwarded before the forwarder notes the sync: wait for
    # the one after.
    await wait_until(synced_again, 300, lambda: store_stack.node.log.read_text()[-3000:])
    back = await node_seen(http, gateway, admin)
    outage = back["last_outage"]
    # The node reported its outage before forwarding what waited.
    assert outage["sales_waiting"] == OFFLINE_SALES
    # The first offline sale is stamped before its inline forward finds the link down; the
    # second is sold with the link already marked down.
    assert (
        killed_at - timedelta(seconds=1) <= at(outage["started_at"]) <= at(receipts[1]["sold_at"])
    )
    assert at(outage["ended_at"]) >= restored_at
    assert back["offline_since"] is None and at(back["last_sync_at"]) >= restored_at
    assert await silence_gauge(http) < STALE.total_seconds()
    assert len(await store_stack.centre.sales()) == 3 + OFFLINE_SALES

    listed = await http.get(f"{gateway.base}/staff/v1/store-nodes", headers=admin)
    assert [node["store_id"] for node in listed.json()["nodes"]] == [STORE_ID]
    missing = await http.get(f"{gateway.base}/staff/v1/stores/loc_nowhere/node", headers=admin)
    assert missing.status_code == 404, missing.text
    assert missing.headers["content-type"].startswith("application/problem+json")


async def _gauge_above(http: httpx.AsyncClient, seconds: float) -> bool:
    return await silence_gauge(http) > seconds


@pytest.mark.timeout(300)
async def test_store_staff_see_only_their_own_stores_nodes(
    store_stack: StoreStack, centre_gateway: Gateway
):
    http, gateway = store_stack.http, centre_gateway
    own = await gateway.staff_member(http, "ann", "associate", [STORE_ID])
    other = await gateway.staff_member(http, "bob", "associate", ["loc_other_store"])
    started = time.monotonic()

    async def reported() -> bool:
        reply = await http.get(f"{gateway.base}/staff/v1/stores/{STORE_ID}/node", headers=own)
        return reply.status_code == 200

    await wait_until(reported, 120, lambda: f"{time.monotonic() - started:.0f}s")
    mine = await http.get(f"{gateway.base}/staff/v1/store-nodes", headers=own)
    assert [node["store_id"] for node in mine.json()["nodes"]] == [STORE_ID]
    theirs = await http.get(f"{gateway.base}/staff/v1/store-nodes", headers=other)
    assert theirs.status_code == 200 and theirs.json()["nodes"] == []
    refused = await http.get(f"{gateway.base}/staff/v1/stores/{STORE_ID}/node", headers=other)
    assert refused.status_code == 403, refused.text
    foreign = await http.get(
        f"{gateway.base}/staff/v1/store-nodes", params={"store_id": STORE_ID}, headers=other
    )
    assert foreign.status_code == 403, foreign.text
