"""The Idempotency-Key contract through the gateway: a replay is the first answer byte for byte,
another request under the same key is refused naming the key, keys belong to their caller, and
a checkout still waiting for a slow payment answers 202 with a Location instead of timing out."""

from __future__ import annotations

import asyncio

from test_orders import cart_with_tee, home_delivery, seed
from test_profiles import staff_user


async def orders_of(stack, headers) -> list[dict]:
    return (await stack.http.get("/api/v1/orders", headers=headers)).json()["orders"]


async def test_a_replayed_checkout_is_the_first_answer_byte_for_byte_and_says_so(stack):
    await seed(stack)
    anna, _ = await stack.customer("anna@example.com")
    cart = await cart_with_tee(stack, anna)
    body = home_delivery(cart["id"]) | {"note": "ring twice"}
    keyed = anna | {"Idempotency-Key": "checkout-1"}

    first = await stack.http.post("/api/v1/orders", json=body, headers=keyed)
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    assert first.json()["note"] == "ring twice"
    again = await stack.http.post("/api/v1/orders", json=body, headers=keyed)
    assert (again.status_code, again.content) == (201, first.content)
    assert again.headers["Idempotent-Replayed"] == "true"

    other = body | {"payment_method": "cash_on_delivery", "payment_token": ""}
    reused = await stack.http.post("/api/v1/orders", json=other, headers=keyed)
    assert reused.status_code == 422, reused.text
    problem = reused.json()
    assert problem["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert problem["errors"][0]["field"] == "Idempotency-Key"
    assert problem["metadata"]["key"] == "checkout-1"
    assert "checkout-1" in problem["detail"]
    assert [o["id"] for o in await orders_of(stack, anna)] == [first.json()["id"]]

    bad = await stack.http.post(
        "/api/v1/orders", json=body, headers=anna | {"Idempotency-Key": "has spaces"}
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "Idempotency-Key"


async def test_concurrent_checkouts_under_one_key_make_one_order(stack):
    await seed(stack)
    anna, _ = await stack.customer("anna@example.com")
    cart = await cart_with_tee(stack, anna)
    keyed = anna | {"Idempotency-Key": "burst"}
    replies = await asyncio.gather(
        *(
            stack.http.post("/api/v1/orders", json=home_delivery(cart["id"]), headers=keyed)
            for _ in range(4)
        )
    )
    assert {r.status_code for r in replies} <= {201, 409}, [r.text for r in replies]
    placed = {r.json()["id"] for r in replies if r.status_code == 201}
    for refused in (r for r in replies if r.status_code == 409):
        assert refused.json()["code"] == "IDEMPOTENCY_REQUEST_IN_PROGRESS"
    settled = await stack.http.post("/api/v1/orders", json=home_delivery(cart["id"]), headers=keyed)
    assert settled.status_code == 201
    assert placed <= {settled.json()["id"]}
    assert [o["id"] for o in await orders_of(stack, anna)] == [settled.json()["id"]]


async def test_keys_belong_to_their_caller(stack):
    _, anna_session = await stack.customer("anna@example.com")
    _, bob_session = await stack.customer("bob@example.com")
    clara = await staff_user(stack, "clara", "consultant")
    dora = await staff_user(stack, "dora", "consultant")
    note = {"type": "call_note", "summary": "Asked about returns"}

    async def add_note(staff, profile_id: str, summary: str):
        return await stack.http.post(
            f"/staff/v1/customers/{profile_id}/notes",
            json=note | {"summary": summary},
            headers=staff | {"Idempotency-Key": "note-1"},
        )

    for_anna = await add_note(clara, anna_session["subject"], "for Anna")
    for_bob = await add_note(dora, bob_session["subject"], "for Bob")
    assert (for_anna.status_code, for_bob.status_code) == (201, 201)
    assert for_anna.json()["id"] != for_bob.json()["id"]
    assert for_bob.json()["profile_id"] == bob_session["subject"]
    # Clara's key on Bob's profile is another request: refused, never Anna's note.
    mixed = await add_note(clara, bob_session["subject"], "for Anna")
    assert mixed.status_code == 422
    assert mixed.json()["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert "for Anna" not in mixed.text


async def test_a_checkout_waiting_for_a_slow_payment_answers_202_and_its_repeat_the_outcome(stack):
    await seed(stack)
    anna, _ = await stack.customer("anna@example.com")
    cart = await cart_with_tee(stack, anna)
    body = home_delivery(cart["id"]) | {"payment_token": "tok_timeout_slow"}
    accepted = await stack.http.post(
        "/api/v1/orders", json=body, headers=anna | {"Idempotency-Key": "slow-1"}
    )
    assert accepted.status_code == 202, accepted.text
    order = accepted.json()
    assert order["status"] == "pending"
    assert accepted.headers["Location"] == f"/api/v1/orders/{order['id']}"
    for _ in range(100):  # the provider gives up after its timeout; the saga compensates
        polled = (await stack.http.get(accepted.headers["Location"], headers=anna)).json()
        if polled["status"] != "pending":
            break
        await asyncio.sleep(0.2)
    assert polled["status"] == "payment_failed"
    # Asked again under the same key: the same order as it stands now, not the stored 202.
    again = await stack.http.post(
        "/api/v1/orders", json=body, headers=anna | {"Idempotency-Key": "slow-1"}
    )
    assert again.status_code == 201, again.text
    assert (again.json()["id"], again.json()["status"]) == (order["id"], "payment_failed")
    assert again.headers["Idempotent-Replayed"] == "true"


async def test_click_and_collect_beyond_the_stores_stock_is_a_409_naming_what_is_short(stack):
    stores = await seed(stack)  # ten TEE-M in each of two stores
    anna, _ = await stack.customer("anna@example.com")
    cart = await cart_with_tee(stack, anna, 12)
    body = {
        "cart_id": cart["id"],
        "delivery": {"mode": "click_and_collect", "pickup_location_id": stores["MITTE"]},
        "payment_method": "pay_in_store",
    }
    refused = await stack.http.post(
        "/api/v1/orders", json=body, headers=anna | {"Idempotency-Key": "cc-1"}
    )
    assert refused.status_code == 409, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    problem = refused.json()
    assert problem["code"] == "INSUFFICIENT_STOCK"
    assert problem["errors"][0]["field"] == "delivery.pickup_location_id"
    assert {k: problem["metadata"][k] for k in ("sku", "location_id", "requested")} == {
        "sku": "TEE-M",
        "location_id": stores["MITTE"],
        "requested": "12",
    }
    assert int(problem["metadata"]["available"]) < 12
    assert await orders_of(stack, anna) == []
    still = (await stack.http.get(f"/api/v1/carts/{cart['id']}", headers=anna)).json()
    assert still["status"] == "active"
    assert [line["hold_expires_at"] is not None for line in still["lines"]] == [True]
    # The refusal stored nothing under the key: the same key may check out what fits.
    body["delivery"] = home_delivery(cart["id"])["delivery"]
    body |= {"payment_method": "cash_on_delivery"}
    placed = await stack.http.post(
        "/api/v1/orders", json=body, headers=anna | {"Idempotency-Key": "cc-1"}
    )
    assert placed.status_code == 201, placed.text
