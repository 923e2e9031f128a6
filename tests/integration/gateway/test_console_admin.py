"""An admin's walk through the console's admin pages (a real browser against the real stack):
find a product, change its price on a channel (a malformed amount refused at the field) and a
variant's own price there (a negative amount, an unknown currency refused at the field), see
the locations and open one (a duplicate code refused at the field), add a staff member (a store
role without a store refused at the field) and change their role, upload an import and watch
its progress to the end. An associate sees no admin links and is refused the admin pages."""

from __future__ import annotations

import pytest
from console_browser import HEIGHT, WIDTH, Screens, chromium, sign_in
from playwright.async_api import expect
from test_bulk_import import HEADER
from test_orders import seed

pytestmark = pytest.mark.timeout(300)
PASSWORD = "long enough pw"  # conftest's STAFF_PASSWORD
SOCKS = (
    HEADER
    + "console-socks,active,Omni Basics,en,Console socks,,,,CS-GREY,size=42,,60,web=999 EUR,\n"
)


@pytest.fixture
def gateway_settings() -> dict[str, str]:
    return {"console_cookie_secure": "false"}  # the test's gateway speaks plain http


async def test_an_admin_changes_a_price_opens_a_location_and_watches_an_import(stack, tmp_path):
    stores = await seed(stack)
    await stack.staff_member("ada", "admin", [])
    await stack.staff_member("kai", "associate", [stores["MITTE"]])
    admin = await stack.admin()
    upload = tmp_path / "socks.csv"
    upload.write_text(SOCKS)
    screens = Screens(tmp_path)
    async with chromium() as browser:
        page = await browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
        async with screens.on_failure(page):
            await sign_in(page, stack.base, "ada", PASSWORD)
            await page.get_by_role("link", name="Products", exact=True).click()
            await page.get_by_label("Name, brand or SKU").fill("tee")
            await page.get_by_role("button", name="Search").click()
            await page.get_by_role("link", name="Tee", exact=True).click()
            web = page.locator("#listing-web")
            await expect(web.get_by_label("Price", exact=True)).to_have_value("15.00")
            await screens.take(page, "admin-product")

            await web.get_by_label("Price", exact=True).fill("12,5x")
            await web.get_by_role("button", name="Save listing").click()
            web = page.locator("#listing-web")
            await expect(web.locator("#price-error")).to_have_text("Write an amount such as 49.99.")
            await web.get_by_label("Price", exact=True).fill("12.49")
            await web.get_by_role("button", name="Save listing").click()
            web = page.locator("#listing-web")
            await expect(web.get_by_role("status")).to_have_text("Listing saved.")
            await expect(web.get_by_label("Price", exact=True)).to_have_value("12.49")
            listings = await stack.http.get(
                f"/staff/v1/catalog/products/{stores['product']}/listings", headers=admin
            )
            prices = {i["channel"]: i["price"] for i in listings.json()["items"]}
            assert prices["web"] == {"amount_minor": 1249, "currency": "EUR"}
            assert prices["app"] == {"amount_minor": 1500, "currency": "EUR"}
            await variant_prices(page, stack, stores["product"], admin)

            await page.get_by_role("link", name="Locations", exact=True).click()
            await expect(page.locator("#locations tbody tr")).to_have_count(2)
            await fill_location(page, "MITTE", "Omni Mitte again")
            await expect(page.locator("#code-error")).to_be_visible()
            await fill_location(page, "GDA-02", "Omni Gdańsk Długa")
            await expect(page.locator(".notice")).to_have_text("Location opened.")
            await expect(page.locator("#locations")).to_contain_text("Omni Gdańsk Długa")
            await screens.take(page, "admin-locations")

            await staff_users(page, stack, stores["MITTE"], admin)
            await screens.take(page, "admin-users")

            await page.get_by_role("link", name="Imports", exact=True).click()
            await page.get_by_label("File", exact=True).set_input_files(str(upload))
            await page.get_by_role("button", name="Start import").click()
            await expect(page.locator("#import-state")).to_have_text("Done", timeout=60_000)
            await expect(page.locator("#import-rows")).to_have_text("1 of 1 rows")
            await screens.take(page, "admin-import-done")
            found = await stack.http.get(
                "/staff/v1/catalog/products", params={"q": "Console socks"}, headers=admin
            )
            assert [i["product"]["slug"] for i in found.json()["items"]] == ["console-socks"]

        associate = await browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
        await sign_in(associate, stack.base, "kai", PASSWORD)
        await expect(associate.get_by_role("link", name="Products", exact=True)).to_have_count(0)
        for path in ("products", "locations", "imports", "users", f"products/{stores['product']}"):
            refused = await associate.goto(f"{stack.base}/console/admin/{path}")
            assert refused is not None and refused.status == 403, path
            await expect(associate.locator("main")).to_contain_text("this needs one of the roles")


async def variant_prices(page, stack, product_id: str, admin: dict[str, str]) -> None:
    """TEE-M gets its own price on the web (a negative amount and an unknown currency refused at
    their fields, nothing saved), then loses it again (empty: the product's price)."""
    web = page.locator("#listing-web")
    cell = "Price of TEE-M in EUR"
    await expect(web.get_by_label(cell)).to_have_attribute("placeholder", "12.49")
    await web.get_by_label(cell).fill("-3")
    await web.get_by_role("button", name="Save listing").click()
    web = page.locator("#listing-web")
    await expect(web.locator("#vp-TEE-M-EUR-error")).to_have_text("Write an amount such as 49.99.")
    await web.get_by_label(cell).fill("11.00")
    await web.get_by_label("Variant price").fill("9.50")
    await web.get_by_label("Variant currency").fill("qqq")
    await web.get_by_role("button", name="Save listing").click()
    web = page.locator("#listing-web")
    await expect(web.locator("#new_currency-error")).to_contain_text(
        "'QQQ' is not an ISO 4217 currency code"
    )
    assert await web_prices(stack, product_id, admin) == []
    await expect(web.get_by_label(cell)).to_have_value("11.00")  # what was typed stays
    await expect(web.get_by_label("Variant currency")).to_have_value("qqq")
    await web.get_by_label("Variant price").fill("")
    await web.get_by_role("button", name="Save listing").click()
    web = page.locator("#listing-web")
    await expect(web.get_by_role("status")).to_have_text("Listing saved.")
    await expect(web.get_by_label(cell)).to_have_value("11.00")
    assert await web_prices(stack, product_id, admin) == [
        ("TEE-M", {"amount_minor": 1100, "currency": "EUR"})
    ]
    await web.get_by_label(cell).fill("")
    await web.get_by_role("button", name="Save listing").click()
    web = page.locator("#listing-web")
    await expect(web.get_by_role("status")).to_have_text("Listing saved.")
    assert await web_prices(stack, product_id, admin) == []


async def web_prices(stack, product_id: str, admin: dict[str, str]) -> list[tuple[str, dict]]:
    listings = await stack.http.get(
        f"/staff/v1/catalog/products/{product_id}/listings", headers=admin
    )
    web = next(i for i in listings.json()["items"] if i["channel"] == "web")
    return [(p["sku"], p["price"]) for p in web["prices"]]


async def fill_location(page, code: str, name: str) -> None:
    await page.get_by_label("Code", exact=True).fill(code)
    await page.get_by_label("Name", exact=True).fill(name)
    await page.get_by_label("Street and number").fill("Długa 2")
    await page.get_by_label("Postal code").fill("80-001")
    await page.get_by_label("City", exact=True).fill("Gdańsk")
    await page.get_by_role("button", name="Open location").click()


async def staff_users(page, stack, store_id: str, admin: dict[str, str]) -> None:
    await page.get_by_role("link", name="Staff users", exact=True).click()
    await expect(page.locator("#user-ada")).to_be_visible()
    await page.get_by_label("Username").fill("nora")
    await page.get_by_label("First password").fill("a long first password")
    await page.locator("#new-role").select_option("associate")
    await page.get_by_role("button", name="Add staff member").click()
    await expect(page.locator("#store_ids-error")).to_have_text(
        "store roles need at least one store"
    )
    await page.get_by_label("First password").fill("a long first password")
    await page.get_by_label("Stores (ids").fill(store_id)
    await page.get_by_role("button", name="Add staff member").click()
    await expect(page.locator(".notice")).to_contain_text("nora can sign in now")
    row = page.locator("#user-nora")
    await row.get_by_label("Role").select_option("store_manager")
    await row.get_by_role("button", name="Save").click()
    await expect(page.locator(".notice")).to_contain_text("Saved")
    users = (await stack.http.get("/staff/v1/users", headers=admin)).json()["users"]
    nora = next(user for user in users if user["username"] == "nora")
    assert (nora["role"], nora["store_ids"]) == ("store_manager", [store_id])
