"""An admin's walk through the console's partner and API-key page (a real browser against the
real stack): register a partner (a name in use refused at the field), issue a key (no scope
refused at the field; the secret shown once works against the partner API), revoke it (the
partner API then refuses it). An associate sees none of it and is refused the page."""

from __future__ import annotations

import pytest
from console_browser import HEIGHT, WIDTH, Screens, chromium, sign_in
from playwright.async_api import expect
from test_locations import store

pytestmark = pytest.mark.timeout(300)
PASSWORD = "long enough pw"  # conftest's STAFF_PASSWORD


@pytest.fixture
def gateway_settings() -> dict[str, str]:
    return {"console_cookie_secure": "false"}  # the test's gateway speaks plain http


async def test_an_admin_registers_a_partner_and_issues_and_revokes_a_key(stack, tmp_path):
    await stack.partner("existing-partner", ["catalog:read"])
    await stack.staff_member("ada", "admin", [])
    admin = await stack.admin()
    opened = await stack.http.post(
        "/staff/v1/locations", json=store("GDA-01", "Gdańsk", "80-001", 54.35, 18.65), headers=admin
    )
    await stack.staff_member("kai", "associate", [opened.json()["id"]])
    screens = Screens(tmp_path)
    async with chromium() as browser:
        page = await browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
        async with screens.on_failure(page):
            await sign_in(page, stack.base, "ada", PASSWORD)
            await page.get_by_role("link", name="Partners", exact=True).click()
            await expect(page.locator("#partner-existing-partner")).to_contain_text("catalog:read")

            await page.get_by_label("Partner name").fill("existing-partner")
            await page.get_by_role("button", name="Register partner").click()
            await expect(page.locator("#name-error")).to_contain_text("a partner named")
            await page.get_by_label("Partner name").fill("acme-market")
            await page.get_by_role("button", name="Register partner").click()
            await expect(page.locator(".notice")).to_have_text("Partner acme-market registered.")

            row = page.locator("#partner-acme-market")
            await expect(row).to_contain_text("No active keys.")
            await row.get_by_role("button", name="Issue key").click()
            row = page.locator("#partner-acme-market")
            await expect(row.locator("#scopes-error")).to_be_visible()
            await row.get_by_label("orders:read").check()
            await row.get_by_label("Label").fill("feed")
            await row.get_by_role("button", name="Issue key").click()
            secret = await page.get_by_label("API key", exact=True).input_value()
            assert secret.startswith("omni_pk_")
            await expect(page.locator("#partner-acme-market")).to_contain_text("feed")
            await screens.take(page, "admin-partners-key-issued")
            key = {"X-Api-Key": secret}
            assert (await stack.http.get("/partner/v1/event-types", headers=key)).status_code == 200

            await page.goto(f"{stack.base}/console/admin/partners")  # the secret is not kept
            await expect(page.get_by_label("API key", exact=True)).to_have_count(0)
            row = page.locator("#partner-acme-market")
            await row.get_by_role("button", name="Revoke key feed").click()
            await expect(page.locator(".notice")).to_contain_text("revoked")
            await expect(page.locator("#partner-acme-market")).to_contain_text("No active keys.")
            assert (await stack.http.get("/partner/v1/event-types", headers=key)).status_code == 401

        associate = await browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
        await sign_in(associate, stack.base, "kai", PASSWORD)
        await expect(associate.get_by_role("link", name="Partners", exact=True)).to_have_count(0)
        refused = await associate.goto(f"{stack.base}/console/admin/partners")
        assert refused is not None and refused.status == 403
        await expect(associate.locator("main")).to_contain_text("this needs one of the roles")
