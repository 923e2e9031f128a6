"""An admin's walk through the console's partner, location and import pages (a real browser
against the real stack): register a partner (a name in use refused at the field), issue a key
(no scope refused at the field; the secret shown once works against the partner API), revoke it
(the partner API then refuses it); change a location (hours that do not read refused at the
field, a change made meanwhile refused with the API's message, in Polish the weekdays written
and read in Polish) and close it; see the imports so far, newest first, with their state and
progress; all along, the top bar's links fit one row at 1024 px, in English and in Polish. An associate sees none of it and is refused the pages."""

from __future__ import annotations

import pytest
from console_browser import HEIGHT, WIDTH, Screens, chromium, sign_in
from playwright.async_api import expect
from test_bulk_import import HEADER, finished, upload
from test_locations import store

pytestmark = pytest.mark.timeout(300)
PASSWORD = "long enough pw"  # conftest's STAFF_PASSWORD


@pytest.fixture
def gateway_settings() -> dict[str, str]:
    return {"console_cookie_secure": "false"}  # the test's gateway speaks plain http


async def test_an_admin_manages_partners_keys_locations_and_sees_imports(stack, tmp_path):
    await stack.partner("existing-partner", ["catalog:read"])
    await stack.staff_member("ada", "admin", [])
    admin = await stack.admin()
    opened = await stack.http.post(
        "/staff/v1/locations", json=store("GDA-01", "Gdańsk", "80-001", 54.35, 18.65), headers=admin
    )
    gdansk = opened.json()["id"]
    await stack.staff_member("kai", "associate", [gdansk])
    screens = Screens(tmp_path)
    async with chromium() as browser:
        page = await browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
        async with screens.on_failure(page):
            await sign_in(page, stack.base, "ada", PASSWORD)
            await nav_is_one_row(page, 7)
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
            async with page.expect_response(lambda r: r.request.method == "POST") as issued:
                await row.get_by_role("button", name="Issue key").click()
            assert (await issued.value).headers["cache-control"] == "no-store"  # the secret's page
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

            await change_and_close_a_location(page, stack, admin, gdansk)
            await screens.take(page, "admin-location-closed")

            await list_imports(page, stack, admin, tmp_path)
            await screens.take(page, "admin-imports")

            await page.get_by_label("Language").select_option("pl")
            await page.get_by_role("button", name="Change", exact=True).click()
            await expect(page.get_by_role("link", name="Partnerzy", exact=True)).to_be_visible()
            await nav_is_one_row(page, 7)

        associate = await browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
        await sign_in(associate, stack.base, "kai", PASSWORD)
        await expect(associate.get_by_role("link", name="Partners", exact=True)).to_have_count(0)
        for path in ("partners", f"locations/{gdansk}", "imports"):
            refused = await associate.goto(f"{stack.base}/console/admin/{path}")
            assert refused is not None and refused.status == 403, path
            await expect(associate.locator("main")).to_contain_text("this needs one of the roles")


async def nav_is_one_row(page, links: int) -> None:
    """Every link of the top bar on one row at the tablet width, nothing wider than the page."""
    nav = page.locator("header nav")
    await expect(nav.locator("a")).to_have_count(links)
    boxes = [await link.bounding_box() for link in await nav.locator("a").all()]
    nav_box = await nav.bounding_box()
    assert nav_box is not None and all(boxes)
    assert {round(box["y"]) for box in boxes} == {round(boxes[0]["y"])}, boxes
    assert nav_box["height"] == max(box["height"] for box in boxes), (nav_box, boxes)
    assert await page.evaluate("document.documentElement.scrollWidth") <= WIDTH


async def change_and_close_a_location(page, stack, admin: dict[str, str], location_id: str) -> None:
    await page.get_by_role("link", name="Locations", exact=True).click()
    await page.get_by_role("link", name="Omni Gdańsk GDA-01").click()
    await page.get_by_label("Name", exact=True).fill("Omni Gdańsk Długa")
    await page.get_by_label("Opening hours").fill("monday 09:00-20:00\nsaturday ten to two")
    await page.get_by_label("Ships parcels").check()
    await page.get_by_role("button", name="Save location").click()
    await expect(page.locator("#opening_hours-error")).to_contain_text("saturday ten to two")
    await expect(page.get_by_label("Name", exact=True)).to_have_value("Omni Gdańsk Długa")
    await page.get_by_label("Opening hours").fill("monday 09:00-20:00\nsaturday 10:00-14:00")
    await page.get_by_role("button", name="Save location").click()
    await expect(page.locator(".notice")).to_have_text("Location saved.")
    url = f"/staff/v1/locations/{location_id}"
    saved = await stack.http.get(url, headers=admin)
    body = saved.json()
    assert body["name"] == "Omni Gdańsk Długa"
    assert body["opening_hours"] == [
        {"weekday": "monday", "opens": "09:00", "closes": "20:00"},
        {"weekday": "saturday", "opens": "10:00", "closes": "14:00"},
    ]
    assert body["flags"]["ships"] and body["flags"]["click_and_collect"]
    assert body["address"]["lines"] == ["Rynek 1"] and body["geo"] == {"lat": 54.35, "lng": 18.65}

    meanwhile = await stack.http.patch(
        url, json={"name": "Omni Gdańsk Rynek"}, headers=admin | {"If-Match": saved.headers["etag"]}
    )
    assert meanwhile.status_code == 200, meanwhile.text
    await page.get_by_label("City", exact=True).fill("Gdynia")
    await page.get_by_role("button", name="Save location").click()
    await expect(page.locator("#form-error")).to_contain_text("is at version 3, not 2")
    assert (await stack.http.get(url, headers=admin)).json()["address"]["city"] == "Gdańsk"

    # In Polish the hours box writes and reads Polish weekdays.
    await page.goto(page.url.split("?")[0])
    await page.locator("#lang").select_option("pl")
    await page.get_by_role("button", name="Change").click()
    hours = page.get_by_label("Godziny otwarcia")
    await expect(hours).to_have_value("poniedziałek 09:00-20:00\nsobota 10:00-14:00")
    await hours.fill("poniedziałek 09:00-20:00\nNiedziela 10:00-14:00")
    await page.get_by_role("button", name="Zapisz lokalizację").click()
    await expect(page.locator(".notice")).to_have_text("Lokalizacja zapisana.")
    assert (await stack.http.get(url, headers=admin)).json()["opening_hours"][1] == {
        "weekday": "sunday",
        "opens": "10:00",
        "closes": "14:00",
    }
    await page.locator("#lang").select_option("en")
    await page.get_by_role("button", name="Zmień").click()

    await page.get_by_role("link", name="All locations").click()
    await page.get_by_role("link", name="Omni Gdańsk Rynek").click()
    await page.get_by_role("button", name="Close location").click()
    await expect(page.locator("#location-status")).to_contain_text("Closed")
    assert (await stack.http.get(url, headers=admin)).json()["status"] == "closed"


async def list_imports(page, stack, admin: dict[str, str], tmp_path) -> None:
    older = await upload(stack.http, admin, HEADER, "csv")
    await finished(stack.http, admin, older["id"])
    empty = tmp_path / "nothing-yet.csv"
    empty.write_text(HEADER)
    await page.get_by_role("link", name="Imports", exact=True).click()
    await expect(page.locator("#import-jobs tbody tr")).to_have_count(1)
    await page.get_by_label("File", exact=True).set_input_files(str(empty))
    await page.get_by_role("button", name="Start import").click()
    await expect(page.locator("#import-state")).to_have_text("Done", timeout=60_000)
    newer = page.url.rsplit("/", 1)[-1]
    await page.get_by_role("link", name="Imports", exact=True).click()
    rows = page.locator("#import-jobs tbody tr")
    await expect(rows).to_have_count(2)
    assert [await row.get_attribute("id") for row in await rows.all()] == [
        f"job-{newer}",
        f"job-{older['id']}",
    ]
    await expect(rows.first).to_contain_text("Done")
    await expect(rows.first).to_contain_text("0 of 0 rows")
