"""Helpers for the console's browser tests: Debian's Chromium driven by Playwright (never a
browser downloaded at run time), screenshots kept under the test's tmp dir, and one customer
seen in several channels (a web order, a store order at the till, a call note)."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from playwright.async_api import Browser, Page, async_playwright
from test_orders import cart_with_tee, check_out_tee, seed

from omni.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from omni.common.v1 import common_pb2
from omni.order.v1 import order_pb2, order_pb2_grpc
from omni_kit.app import channel
from omni_kit.idempotency import call_metadata
from omni_kit.ids import new_id

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
WIDTH, HEIGHT = 1024, 900  # a tablet on its side, the width the console must work at
PHONE = "+48 601 555 123"


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            yield browser
        finally:
            await browser.close()


class Screens:
    """Screenshots of a walk, numbered in order, in `<tmp>/screenshots`."""

    def __init__(self, tmp_path: Path) -> None:
        self.folder = tmp_path / "screenshots"
        self.folder.mkdir()
        self.count = 0
        print(f"console screenshots: {self.folder}")

    @asynccontextmanager
    async def on_failure(self, page: Page) -> AsyncIterator[None]:
        """A last screenshot when a step fails: what the browser showed then."""
        try:
            yield
        except BaseException:
            await self.take(page, "failed")
            raise

    async def take(self, page: Page, name: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{name}.png"
        await page.screenshot(path=str(path), full_page=True)
        return path


async def sign_in(page: Page, base: str, username: str, password: str) -> None:
    await page.goto(f"{base}/console/")
    await page.get_by_label("Username").fill(username)
    await page.get_by_label("Password", exact=True).fill(password)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(f"{base}/console/customers")


async def customer_in_every_channel(stack) -> dict[str, str]:
    """A customer with a phone number, a web order, an order at the MITTE till and a call note;
    returns the ids (profile, stores, order numbers) once all of it is on the timeline."""
    stores = await seed(stack)
    await _list_at_the_till(stack, stores["product"])
    customer, _ = await stack.customer("ola.nowak@example.com")
    profile_id = (await stack.http.get("/api/v1/me", headers=customer)).json()["id"]
    admin = await stack.admin()
    named = await stack.http.patch(
        f"/staff/v1/customers/{profile_id}", json={"display_name": "Ola Nowak"}, headers=admin
    )
    assert named.status_code == 200, named.text
    phone = await stack.http.post(
        f"/staff/v1/customers/{profile_id}/identities",
        json={"kind": "phone", "value": PHONE},
        headers=admin | {"X-Omni-Channel": "phone", "Idempotency-Key": new_id("k")},
    )
    assert phone.status_code == 201, phone.text

    web = await check_out_tee(stack, customer | {"X-Omni-Channel": "web"}, "console-web")
    store_order = await _order_at_the_till(stack, customer, stores["MITTE"])
    note = await stack.http.post(
        f"/staff/v1/customers/{profile_id}/notes",
        json={"type": "call_note", "summary": "Asked when the tee arrives"},
        headers=admin | {"X-Omni-Channel": "phone", "Idempotency-Key": new_id("k")},
    )
    assert note.status_code == 201, note.text  # the API itself needs no CSRF token
    await _timeline_has(stack, admin, profile_id, {"web", "pos", "phone"})
    return stores | {
        "profile": profile_id,
        "web_number": web.json()["number"],
        "store_number": store_order.number,
    }


async def _list_at_the_till(stack, product_id: str) -> None:
    ch = channel(f"127.0.0.1:{stack.apps['catalog'].port}")
    await catalog_pb2_grpc.CatalogServiceStub(ch).UpsertChannelListing(
        catalog_pb2.UpsertChannelListingRequest(
            listing=catalog_pb2.ChannelListing(
                product_id=product_id,
                channel=common_pb2.ChannelRef(channel=common_pb2.SALES_CHANNEL_POS),
                published=True,
                price=common_pb2.Money(amount_minor=1500, currency_code="EUR"),
            )
        )
    )
    await ch.close()


async def _order_at_the_till(stack, customer: dict[str, str], store_id: str) -> order_pb2.Order:
    """The customer's cart paid at the MITTE till and taken along (as the POS places it)."""
    cart = await cart_with_tee(stack, customer)
    ch = channel(f"127.0.0.1:{stack.apps['order'].port}")
    reply = await order_pb2_grpc.OrderServiceStub(ch).PlaceOrder(
        order_pb2.PlaceOrderRequest(
            cart_id=cart["id"],
            delivery=order_pb2.DeliveryChoice(
                mode=common_pb2.DELIVERY_MODE_CLICK_AND_COLLECT, pickup_location_id=store_id
            ),
            payment_method=order_pb2.PAYMENT_METHOD_PAY_IN_STORE,
            channel=common_pb2.ChannelRef(channel=common_pb2.SALES_CHANNEL_POS, store_id=store_id),
        ),
        metadata=call_metadata(new_id("till"), "test"),
    )
    await ch.close()
    return reply.order


async def _timeline_has(stack, headers, profile_id: str, channels: set[str]) -> None:
    """Order entries arrive by events: wait until every channel shows on the timeline."""
    seen: set[str] = set()
    for _ in range(300):
        reply = await stack.http.get(f"/staff/v1/customers/{profile_id}/timeline", headers=headers)
        seen = {entry["channel"] for entry in reply.json()["entries"]}
        if channels <= seen:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"the timeline shows {seen}, not {channels}")
