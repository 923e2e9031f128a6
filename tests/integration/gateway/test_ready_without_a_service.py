"""The gateway stays ready while a service is down: only the routes that need that service answer
503 (problem+json with Retry-After), everything else keeps working."""

from __future__ import annotations

from test_orders import cart_with_tee, home_delivery, seed


async def stop(stack, name: str) -> None:
    await stack.apps.pop(name).stop(grace=0)


async def assert_ready(stack, down: str) -> None:
    ready = await stack.http.get("/readyz")
    assert ready.status_code == 200, ready.text
    body = ready.json()
    assert body["ready"] is True
    assert body["services"][down] == "unreachable"  # still reported, for people
    assert body["services"]["catalog"] == "serving"


async def browse(stack) -> None:
    listed = await stack.http.get("/api/v1/catalog/products")
    assert listed.status_code == 200, listed.text
    assert [i["product"]["slug"] for i in listed.json()["items"]] == ["tee"]


async def test_without_notification_browse_cart_and_checkout_work(stack):
    await seed(stack)
    anna, _ = await stack.customer("anna@example.com")
    await stop(stack, "notification")

    await assert_ready(stack, "notification")
    await browse(stack)
    cart = await cart_with_tee(stack, anna)
    placed = await stack.http.post(
        "/api/v1/orders",
        json=home_delivery(cart["id"]),
        headers=anna | {"Idempotency-Key": "no-notification"},
    )
    assert placed.status_code == 201, placed.text
    assert placed.json()["status"] == "confirmed"
    await assert_ready(stack, "notification")


async def test_without_order_browse_works_and_cart_and_checkout_say_retry(stack):
    await seed(stack)
    anna, _ = await stack.customer("anna@example.com")
    cart = (await stack.http.get("/api/v1/carts/current", headers=anna)).json()
    await stop(stack, "order")

    await assert_ready(stack, "order")
    await browse(stack)
    for refused in (
        await stack.http.get("/api/v1/carts/current", headers=anna),
        await stack.http.post(
            f"/api/v1/carts/{cart['id']}/lines",
            json={"sku": "TEE-M", "quantity": 1},
            headers=anna,
        ),
        await stack.http.post(
            "/api/v1/orders",
            json=home_delivery(cart["id"]),
            headers=anna | {"Idempotency-Key": "no-order"},
        ),
    ):
        assert refused.status_code == 503, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert int(refused.headers["retry-after"]) > 0
        assert refused.json()["status"] == 503
    await assert_ready(stack, "order")
