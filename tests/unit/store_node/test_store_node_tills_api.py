"""The tills' API with the centre out of reach (nothing listens on its ports): sales are kept
and answered as offline, retries are the same sale, and every refusal is problem+json naming
what was wrong."""

from __future__ import annotations

import uuid

import pytest


def body(**changes):
    return {
        "sale_id": str(uuid.uuid4()),
        "till_id": "till-1",
        "tender": "cash",
        "lines": [{"sku": "TEE-M", "quantity": 2}],
    } | changes


async def test_offline_a_sale_is_kept_numbered_and_marked_offline(tills):
    sale_id = str(uuid.uuid4())
    first = await tills.post("/pos/v1/sales", json=body(sale_id=sale_id))
    assert first.status_code == 201, first.text
    receipt = first.json()
    assert receipt["offline"] is True
    assert receipt["synced"] is False
    assert receipt["till_number"] == 1
    assert receipt["total"] == {"amount_minor": 3998, "currency": "EUR"}

    again = await tills.post("/pos/v1/sales", json=body(sale_id=sale_id))
    assert again.status_code == 200
    assert again.json()["till_number"] == 1
    second = await tills.post("/pos/v1/sales", json=body(tender="card"))
    assert second.json()["till_number"] == 2

    status = (await tills.get("/pos/v1/status")).json()
    assert status["online"] is False
    assert status["offline_since"]
    assert status["sales_waiting"] == 2
    looked_up = (await tills.get("/pos/v1/products/TEE-M")).json()
    assert looked_up["price"] == {"amount_minor": 1999, "currency": "EUR"}
    assert looked_up["offline"] is True
    kept = await tills.get(f"/pos/v1/sales/{sale_id}")
    assert kept.json()["till_number"] == 1


async def test_another_sale_under_a_used_id_is_a_conflict_and_changes_nothing(tills):
    sale_id = str(uuid.uuid4())
    await tills.post("/pos/v1/sales", json=body(sale_id=sale_id))
    reused = await tills.post(
        "/pos/v1/sales", json=body(sale_id=sale_id, lines=[{"sku": "TEE-M", "quantity": 9}])
    )
    assert reused.status_code == 409
    assert reused.headers["content-type"].startswith("application/problem+json")
    assert reused.json()["field"] == "sale_id"
    assert (await tills.get(f"/pos/v1/sales/{sale_id}")).json()["total"]["amount_minor"] == 3998
    assert (await tills.get("/pos/v1/status")).json()["sales_waiting"] == 1


@pytest.mark.parametrize(
    ("changes", "status", "field"),
    [
        ({"lines": [{"sku": "NOPE", "quantity": 1}]}, 404, "lines[0].sku"),
        ({"lines": [{"sku": "TEE-M", "quantity": 0}]}, 422, "lines[0].quantity"),
        ({"tender": "cheque"}, 422, "tender"),
        ({"sale_id": "receipt-12"}, 422, "sale_id"),
        ({"lines": []}, 422, "lines"),
    ],
)
async def test_a_sale_the_node_cannot_take_is_refused_naming_the_field(
    tills, changes, status, field
):
    reply = await tills.post("/pos/v1/sales", json=body(**changes))
    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"].startswith("application/problem+json")
    assert reply.json()["field"] == field
    assert (await tills.get("/pos/v1/status")).json()["sales_waiting"] == 0


async def test_a_body_of_the_wrong_shape_is_a_problem_document(tills):
    reply = await tills.post("/pos/v1/sales", json={"till_id": "till-1"})
    assert reply.status_code == 400
    assert reply.headers["content-type"].startswith("application/problem+json")
    assert "sale_id" in reply.text
    unknown = await tills.get("/pos/v1/products/NOPE")
    assert unknown.status_code == 404
    assert unknown.json()["field"] == "sku"


async def test_offline_card_caps_and_balance_tenders_refuse_while_cash_sells(tills):
    # The node's defaults (no limits from the centre yet): 200.00 EUR a card sale.
    big = [{"sku": "TEE-M", "quantity": 11}]  # 219.89
    card = await tills.post("/pos/v1/sales", json=body(tender="card", lines=big, staff_id="s-9"))
    assert card.status_code == 409, card.text
    assert card.headers["content-type"].startswith("application/problem+json")
    assert card.json()["field"] == "tender" and "take cash" in card.json()["detail"]
    gift = await tills.post("/pos/v1/sales", json=body(tender="gift_card"))
    assert gift.status_code == 409 and gift.json()["field"] == "tender"
    cash = await tills.post("/pos/v1/sales", json=body(lines=big, staff_id="s-9"))
    assert cash.status_code == 201 and cash.json()["till_number"] == 1
    switches = (await tills.get("/pos/v1/offline-switches")).json()
    assert [(s["till_id"], s["staff_id"]) for s in switches] == [("till-1", "s-9")]
