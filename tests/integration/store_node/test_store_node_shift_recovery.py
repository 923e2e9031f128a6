"""A till's shift opened at the node reaches the centre; the link is SIGKILLed and the till sells
on in the shift; a store manager closes the shift at the centre meanwhile. When the link is back,
the offline sales are recorded at their own times in the store's recovery period, the closed
shift's totals stay as they were closed, and replaying the whole journal makes nothing twice."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import datetime

import httpx
import pytest
from conftest import STORE_ID
from store_node_stack import Gateway, StoreNode, StoreStack, wait_until


async def sell(http: httpx.AsyncClient, node: StoreNode, shift_id: str, tender: str, sku: str):
    body = {
        "sale_id": str(uuid.uuid4()),
        "till_id": "till-1",
        "staff_id": "staff-olena",
        "shift_id": shift_id,
        "tender": tender,
        "lines": [{"sku": sku, "quantity": 1}],
    }
    reply = await http.post(f"http://127.0.0.1:{node.port}/pos/v1/sales", json=body)
    assert reply.status_code == 201, reply.text
    return reply.json()


def shift_states(node: StoreNode, shift_id: str) -> tuple[str, str]:
    db = sqlite3.connect(f"file:{node.journal}?mode=ro", uri=True)
    try:
        row = db.execute(
            "SELECT open_state, close_state FROM shifts WHERE shift_id = ?", (shift_id,)
        ).fetchone()
    finally:
        db.close()
    return row


@pytest.mark.timeout(600)
async def test_a_sale_for_a_shift_closed_at_the_centre_goes_to_the_recovery_period(
    store_stack: StoreStack, centre_gateway: Gateway
):
    shift_id = str(uuid.uuid4())
    http, node = store_stack.http, store_stack.node
    manager, associate = await centre_gateway.store_team(http, STORE_ID)
    shifts = f"{centre_gateway.base}/staff/v1/stores/{STORE_ID}/shifts"
    opened = await http.post(
        f"http://127.0.0.1:{node.port}/pos/v1/shifts",
        json={
            "shift_id": shift_id,
            "till_id": "till-1",
            "staff_id": "staff-olena",
            "opening_float": {"amount_minor": 10_000, "currency": "EUR"},
        },
    )
    assert opened.status_code == 201, opened.text
    online = await sell(http, node, shift_id, "cash", "TEE-M")  # 19.99
    assert online["synced"], online

    store_stack.link.kill()
    offline = [
        await sell(http, node, shift_id, "cash", "MUG"),  # 7.50
        await sell(http, node, shift_id, "card", "CAP"),  # 5.00
    ]
    assert all(sale["offline"] and not sale["synced"] for sale in offline)

    # Meanwhile the manager closes the shift at the centre: it has the online sale only.
    close = f"{shifts}/{shift_id}/close"
    counted = {"counted_cash": {"amount_minor": 12_000, "currency": "EUR"}}
    assert (await http.post(close, json=counted, headers=associate)).status_code == 403
    usd = {"counted_cash": {"amount_minor": 12_000, "currency": "USD"}}
    wrong = await http.post(close, json=usd, headers=manager)
    assert wrong.status_code == 422, wrong.text
    assert wrong.json()["errors"][0]["field"] == "counted_cash.currency_code"
    closed = await http.post(close, json=counted, headers=manager)
    assert closed.status_code == 200, closed.text
    at_close = closed.json()
    assert at_close["state"] == "closed" and at_close["till_id"] == "till-1"
    assert at_close["business_day"] == opened.json()["business_day"]
    assert at_close["tenders"] == [
        {"tender": "cash", "sales": 1, "amount": {"amount_minor": 1999, "currency": "EUR"}}
    ]
    assert at_close["expected_cash"] == {"amount_minor": 11_999, "currency": "EUR"}
    assert at_close["cash_difference"] == {"amount_minor": 1, "currency": "EUR"}
    twice = await http.post(close, json=counted, headers=manager)
    assert twice.status_code == 409, twice.text
    assert twice.json()["errors"][0]["field"] == "shift_id"

    # The till closes it too, offline, with all three sales.
    node_close = await http.post(
        f"http://127.0.0.1:{node.port}/pos/v1/shifts/{shift_id}/close",
        json={"staff_id": "staff-olena", "counted_cash_minor": 12_749},
    )
    assert node_close.status_code == 200, node_close.text
    assert node_close.json()["cash_difference"] == {"amount_minor": 0, "currency": "EUR"}

    store_stack.link.start()

    async def drained() -> bool:
        status = await node.status(http)
        return (
            status["online"]
            and status["sales_waiting"] == 0
            and shift_states(node, shift_id) == ("recorded", "recorded")
        )

    async def centre_sees() -> tuple[dict, dict]:
        shift = await http.get(f"{shifts}/{shift_id}", headers=associate)
        recovery = await http.get(
            f"{centre_gateway.base}/staff/v1/stores/{STORE_ID}/recovery-postings",
            headers=associate,
        )
        assert shift.status_code == 200 and recovery.status_code == 200, recovery.text
        return shift.json(), recovery.json()

    async def expect_recovery() -> None:
        shift, recovery = await centre_sees()
        assert shift == at_close, "the closed shift's totals are as they were closed"
        postings = {p["sale_id"]: p for p in recovery["postings"]}
        assert set(postings) == {sale["sale_id"] for sale in offline}
        for sale in offline:
            posting = postings[sale["sale_id"]]
            assert posting["shift_id"] == shift_id and posting["till_id"] == "till-1"
            sold_at = datetime.fromisoformat(sale["sold_at"])
            assert datetime.fromisoformat(posting["sold_at"]) == sold_at, "its original time"
            assert datetime.fromisoformat(posting["posted_at"]) > sold_at
        assert recovery["totals"] == [
            {"tender": "card", "sales": 1, "amount": {"amount_minor": 500, "currency": "EUR"}},
            {"tender": "cash", "sales": 1, "amount": {"amount_minor": 750, "currency": "EUR"}},
        ]
        recorded = {sale["store_sale_id"] for sale in await store_stack.centre.sales()}
        assert recorded == {sale["sale_id"] for sale in [online, *offline]}

    await wait_until(drained, 300, lambda: node.log.read_text()[-3000:])
    await expect_recovery()
    day = {"business_day": at_close["business_day"]}
    listed = await http.get(shifts, params=day, headers=associate)
    assert [s["shift_id"] for s in listed.json()["shifts"]] == [shift_id]
    malformed = await http.get(shifts, params={"business_day": "8.12."}, headers=associate)
    assert malformed.status_code == 422, malformed.text
    assert malformed.json()["errors"][0]["field"] == "business_day"

    # The whole journal sent again (the node SIGKILLed, every sale and shift event waiting).
    node.kill()
    node.forget_progress()
    node.start()
    await wait_until(lambda: node.ready(http), 240, lambda: node.log.read_text()[-2000:])
    await wait_until(drained, 300, lambda: node.log.read_text()[-3000:])
    await expect_recovery()
    assert await store_stack.centre.quarantined() == 0
