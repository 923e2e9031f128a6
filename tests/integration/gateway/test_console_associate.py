"""The store associate's day in a real browser (Debian's Chromium through Playwright) against
the real stack: the pickup board shows a new click & collect order with the customer's preferred
contact, mark ready (a notification is recorded for the customer), hand over with a wrong code
(refused at the field, the attempt shown) and then the right one; the SKU's stock in every store
nearest first with what is reserved; another store's pickups invisible and refused; a no-show
cancelled and restocked by the store manager (the associate is refused in the API's words)."""

from __future__ import annotations

import asyncio

import pytest
from console_browser import HEIGHT, WIDTH, Screens, chromium, sign_in
from playwright.async_api import expect
from test_orders import cart_with_tee, seed

pytestmark = pytest.mark.timeout(300)
PASSWORD = "long enough pw"  # conftest's STAFF_PASSWORD
READY = "omni.order.order.ready_for_pickup"


@pytest.fixture
def gateway_settings() -> dict[str, str]:
    return {"console_cookie_secure": "false"}  # the test's gateway speaks plain http


@pytest.fixture(autouse=True)
def local_sink(tmp_path, monkeypatch):
    """The stack's notification service writes its messages here (its `make dev` sink)."""
    monkeypatch.setenv("OMNI_NOTIFICATION_SINK_DIR", str(tmp_path / "sink"))


async def click_and_collect(stack, email: str, store_id: str) -> dict:
    """A customer who prefers e-mail orders one tee for pickup at the store; the order and the
    customer's profile id."""
    customer, _ = await stack.customer(email)
    app = customer | {"X-Omni-Channel": "app"}
    me = await stack.http.put(
        "/api/v1/me/preferences", json={"preferred_channel": "email"}, headers=app
    )
    assert me.status_code == 200, me.text
    named = await stack.http.patch(
        f"/staff/v1/customers/{me.json()['id']}",
        json={"display_name": "Pia Lis"},
        headers=await stack.admin(),
    )
    assert named.status_code == 200, named.text
    cart = await cart_with_tee(stack, app)
    placed = await stack.http.post(
        "/api/v1/orders",
        json={
            "cart_id": cart["id"],
            "delivery": {"mode": "click_and_collect", "pickup_location_id": store_id},
            "payment_method": "pay_in_store",
        },
        headers=app | {"Idempotency-Key": f"cc-{email}"},
    )
    assert placed.status_code == 201, placed.text
    return placed.json() | {"profile": me.json()["id"], "customer": app}


async def messages(stack, profile_id: str) -> list[dict]:
    listed = await stack.http.get(
        f"/staff/v1/customers/{profile_id}/notifications", headers=await stack.admin()
    )
    assert listed.status_code == 200, listed.text
    return list(listed.json()["notifications"])


async def test_an_associates_day_in_the_browser(stack, tmp_path):
    seeded = await seed(stack)
    mitte, xberg = seeded["MITTE"], seeded["XBERG"]
    await stack.staff_member("kai", "associate", [mitte])
    await stack.staff_member("xena", "associate", [xberg])
    order = await click_and_collect(stack, "pia.lis@example.com", mitte)
    screens = Screens(tmp_path)
    async with chromium() as browser:
        page = await browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
        async with screens.on_failure(page):
            await sign_in(page, stack.base, "kai", PASSWORD)
            await page.get_by_role("link", name="Pickups").click()
            await page.wait_for_url(f"{stack.base}/console/stores/{mitte}/pickups")
            row = page.locator(f"#pickup-{order['id']}")
            waiting = page.locator(".board-waiting")
            await expect(waiting.locator(f"#pickup-{order['id']}")).to_be_visible()
            await expect(row).to_contain_text(order["number"])
            await expect(row).to_contain_text("Pia Lis")
            await expect(row).to_contain_text("E-mail")
            await expect(row).to_contain_text("pia.lis@example.com")
            await screens.take(page, "board-new-order")

            await row.get_by_role("button", name="Mark ready").click()
            await expect(page.get_by_text(f"Order {order['number']} is ready")).to_be_visible()
            await expect(page.locator(".board-waiting")).to_contain_text(
                "No orders are on their way"
            )
            await screens.take(page, "board-ready")
            await notified(stack, order["profile"])

            # The stock of the tee everywhere: this store first, one unit held for the order.
            await page.get_by_role("link", name="Stock", exact=True).click()
            await page.get_by_label("SKU").fill("TEE-M")
            await page.get_by_role("button", name="Look up").click()
            rows = page.locator("#stock tbody tr")
            await expect(rows).to_have_count(2)
            await expect(rows.first).to_contain_text("your store")
            await expect(rows.first.locator("td").nth(3)).to_have_text("1")  # reserved
            await screens.take(page, "stock-everywhere")

            await page.go_back()
            await page.goto(f"{stack.base}/console/stores/{mitte}/pickups")
            code = await pickup_code(stack, order)
            wrong = "000000" if code != "000000" else "111111"
            row = page.locator(f"#pickup-{order['id']}")
            await row.get_by_label("Pickup code").fill(wrong)
            await row.get_by_role("button", name="Hand over").click()
            refusal = page.locator("#pickup_code-error")
            await expect(refusal).to_have_text("the pickup code does not match this order")
            await expect(row.get_by_label("Pickup code")).to_have_attribute("aria-invalid", "true")
            await expect(row.locator(".attempt")).to_contain_text(wrong)
            await screens.take(page, "wrong-code")
            await row.get_by_label("Pickup code").fill(code)
            await row.get_by_role("button", name="Hand over").click()
            await expect(page.get_by_text(f"Order {order['number']} handed over.")).to_be_visible()
            await expect(page.locator(f"#pickup-{order['id']}")).to_have_count(0)
            await screens.take(page, "handed-over")

            await take_back(page, order, screens)

            # In Polish, in the store's zone, still the same board.
            await page.goto(f"{stack.base}/console/stores/{mitte}/pickups")
            await page.get_by_label("Language").select_option("pl")
            await page.get_by_role("button", name="Change").click()
            await expect(page.get_by_role("heading", name="Gotowe do odbioru")).to_be_visible()

        other = await browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
        async with screens.on_failure(other):
            await foreign_store(other, stack, mitte, xberg, screens)

    collected = await stack.http.get(f"/staff/v1/orders/{order['id']}", headers=await stack.admin())
    assert collected.json()["status"] == "returned"
    actions = [step["action"] for step in collected.json()["history"]]
    assert actions.count("collected") == 1 and actions.count("ready_for_pickup") == 1
    assert actions.count("return_received") == 1
    stock = await stack.http.get(
        "/staff/v1/inventory/skus/TEE-M/stock",
        params={"near_location_id": mitte},
        headers=await stack.admin(),
    )
    here = stock.json()["locations"][0]
    # The tee that left and came back is on hand again; the other customer's order holds one.
    assert (here["location_id"], here["on_hand"], here["reserved"]) == (mitte, 10, 1)


async def take_back(page, order: dict, screens: Screens) -> None:
    """The collected tee comes back at the counter: too many units refused at the line, then
    one unit taken back and refunded."""
    await page.get_by_role("link", name="Take a return").click()
    await page.get_by_label("Order number or id").fill(order["number"])
    await page.get_by_role("button", name="Find").click()
    units = page.get_by_label("Units back")
    await expect(units).to_be_visible()
    await units.fill("2")
    await page.get_by_role("button", name="Take back and refund").click()
    await expect(page.locator("#quantity-l1-error")).to_be_visible()
    await expect(page.get_by_label("Units back")).to_have_attribute("aria-invalid", "true")
    await screens.take(page, "return-refused")
    await page.get_by_label("Units back").fill("1")
    await page.get_by_role("button", name="Take back and refund").click()
    await expect(page.get_by_text("Return received")).to_be_visible()
    await expect(page.locator("#return")).to_contain_text("Nothing of this order can come back")
    await screens.take(page, "return-received")


async def notified(stack, profile_id: str) -> None:
    """The customer service's notification of the ready order, recorded for the customer."""
    for _ in range(150):
        if any(m["event_type"] == READY for m in await messages(stack, profile_id)):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"no {READY} message: {await messages(stack, profile_id)}")


async def pickup_code(stack, order: dict) -> str:
    """The code the customer was sent (the counter and staff views never show it)."""
    read = await stack.http.get(f"/api/v1/orders/{order['id']}", headers=order["customer"])
    return str(read.json()["pickup"]["code"])


async def foreign_store(page, stack, mitte: str, xberg: str, screens: Screens) -> None:
    """An XBERG associate: MITTE's pickups are on no board of theirs, and MITTE's is refused."""
    theirs = await click_and_collect(stack, "ola.mitte@example.com", mitte)
    await sign_in(page, stack.base, "xena", PASSWORD)
    await page.get_by_role("link", name="Pickups").click()
    await page.wait_for_url(f"{stack.base}/console/stores/{xberg}/pickups")
    await expect(page.locator("#board")).not_to_contain_text(theirs["number"])
    await expect(page.locator(".board-waiting .empty")).to_be_visible()
    await screens.take(page, "foreign-store-board")
    refused = await page.goto(f"{stack.base}/console/stores/{mitte}/pickups")
    assert refused is not None and refused.status == 403
    await expect(page.locator("main")).to_contain_text(f"you may not act for store '{mitte}'")
    await expect(page.locator("main")).not_to_contain_text(theirs["number"])
    await screens.take(page, "foreign-store-refused")


@pytest.mark.parametrize(
    "service_settings",
    # Orders are due 2 s after they are ready, and the sweeper that cancels them waits an hour:
    # the board shows them past their deadline until someone at the store acts.
    [{"order": {"pickup_window_hours": 0.0006, "pickup_sweep_interval_seconds": 3600}}],
)
async def test_a_no_show_is_cancelled_and_restocked_by_the_store_manager(stack, tmp_path):
    seeded = await seed(stack)
    mitte = seeded["MITTE"]
    kai = await stack.staff_member("kai", "associate", [mitte])
    await stack.staff_member("mia", "store_manager", [mitte])
    order = await click_and_collect(stack, "no.show@example.com", mitte)
    ready = await stack.http.post(f"/staff/v1/orders/{order['id']}/ready-for-pickup", headers=kai)
    assert ready.status_code == 200, ready.text
    await asyncio.sleep(2.5)
    screens = Screens(tmp_path)
    async with chromium() as browser:
        page = await browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
        async with screens.on_failure(page):
            await sign_in(page, stack.base, "kai", PASSWORD)
            await page.goto(f"{stack.base}/console/stores/{mitte}/pickups")
            row = page.locator(f".board-overdue #pickup-{order['id']}")
            await expect(row).to_be_visible()
            await row.get_by_role("button", name="No-show: cancel and restock").click()
            await expect(page.locator(f"#pickup-{order['id']}")).to_contain_text(
                "this needs one of the roles"
            )
            await screens.take(page, "no-show-refused-for-associate")

            await page.get_by_role("button", name="Sign out").click()
            await sign_in(page, stack.base, "mia", PASSWORD)
            await page.goto(f"{stack.base}/console/stores/{mitte}/pickups")
            row = page.locator(f".board-overdue #pickup-{order['id']}")
            await row.get_by_role("button", name="No-show: cancel and restock").click()
            await expect(page.get_by_text(f"Order {order['number']} cancelled")).to_be_visible()
            await expect(page.locator(".board-overdue .empty")).to_be_visible()
            await screens.take(page, "no-show-cancelled")

    admin = await stack.admin()
    cancelled = (await stack.http.get(f"/staff/v1/orders/{order['id']}", headers=admin)).json()
    assert cancelled["status"] == "cancelled"
    stock = await stack.http.get(
        "/staff/v1/inventory/skus/TEE-M/stock", params={"near_location_id": mitte}, headers=admin
    )
    here = stock.json()["locations"][0]
    assert (here["location_id"], here["reserved"], here["available"]) == (mitte, 0, 10)
    assert here["distance_km"] == 0.0
