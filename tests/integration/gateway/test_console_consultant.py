"""The staff console in a real browser (Debian's Chromium through Playwright) against the real
stack: a consultant's day (sign in, find a customer by phone, one timeline with a web order, a
store order and a call note, add a note, a refusal shown at its field, the channel filter, the
page's Server-Timing), and
what the console refuses (a form without its CSRF token, another store's orders for an
associate, a session after sign-out, anything before a new colleague chose their password)."""

from __future__ import annotations

import re

import httpx
import pytest
from console_browser import (
    HEIGHT,
    PHONE,
    WIDTH,
    Screens,
    chromium,
    customer_in_every_channel,
    sign_in,
)
from playwright.async_api import expect

pytestmark = pytest.mark.timeout(300)
PASSWORD = "long enough pw"  # conftest's STAFF_PASSWORD


@pytest.fixture
def gateway_settings() -> dict[str, str]:
    return {"console_cookie_secure": "false"}  # the test's gateway speaks plain http


async def test_a_consultants_day_in_the_browser(stack, tmp_path):
    seeded = await customer_in_every_channel(stack)
    await stack.staff_member("cora", "consultant", [])
    screens = Screens(tmp_path)
    async with chromium() as browser:
        page = await browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
        async with screens.on_failure(page):
            await consultant_walk(page, stack.base, seeded, screens)
            await older_entries(page, stack, seeded, screens)
            # The server's own time for the page, for load tests and developer tools.
            reply = await page.goto(f"{stack.base}/console/customers/{seeded['profile']}")
            assert reply is not None and reply.ok
            assert re.fullmatch(r"total;dur=\d+\.\d", reply.headers["server-timing"])

    api = await stack.http.get(
        f"/staff/v1/customers/{seeded['profile']}/timeline",
        params={"page_size": 100},
        headers=await stack.admin(),
    )
    notes = [e for e in api.json()["entries"] if e["summary"].startswith("Will collect")]
    assert len(notes) == 1, notes  # one note, whatever the browser sent
    assert notes[0]["type"] == "call_note" and notes[0]["channel"] == "phone"


async def consultant_walk(page, base: str, seeded: dict[str, str], screens: Screens) -> None:
    await sign_in(page, base, "cora", PASSWORD)
    await screens.take(page, "find")

    await page.get_by_label("Phone, e-mail, name, loyalty card or order number").fill(PHONE)
    await page.get_by_role("button", name="Search").click()
    result = page.get_by_role("link", name="Ola Nowak")
    await expect(result).to_be_visible()
    await screens.take(page, "found-by-phone")
    await result.click()
    await page.wait_for_url(f"{base}/console/customers/{seeded['profile']}")

    orders = page.locator("#orders-h + table")
    await expect(orders).to_contain_text(seeded["web_number"])
    await expect(orders).to_contain_text(seeded["store_number"])
    timeline = page.locator("#timeline-entries")
    for chip in ("Web shop", "Store", "Phone"):
        await expect(timeline.locator(".chip", has_text=chip).first).to_be_visible()
    await expect(timeline).to_contain_text("Asked when the tee arrives")
    await screens.take(page, "customer-360")

    # A note: refused without a summary (the message at the summary field), then added.
    form = page.locator("#note-form")
    await form.get_by_role("button", name="Add note").click()
    await expect(page.locator("#summary-error")).to_be_visible()
    await expect(page.get_by_label("Summary")).to_have_attribute("aria-invalid", "true")
    await page.get_by_label("Summary").fill("Will collect on Friday at MITTE")
    await page.get_by_label("Details").fill("Prefers an SMS when it is ready.")
    await form.get_by_role("button", name="Add note").click()
    await expect(page.get_by_text("Note added.")).to_be_visible()
    newest = timeline.locator(".entry").first
    await expect(newest).to_contain_text("Will collect on Friday at MITTE")
    await expect(newest.locator(".chip")).to_have_text("Phone")
    await screens.take(page, "note-added")

    # Only the phone entries: the orders leave the list, the notes stay.
    await page.get_by_label("Channel", exact=True).first.select_option("phone")
    await expect(timeline.locator(".chip", has_text="Web shop")).to_have_count(0)
    await expect(timeline).to_contain_text("Asked when the tee arrives")
    await screens.take(page, "timeline-phone-only")

    # The same page in Polish, chosen in the top bar.
    await page.get_by_label("Language").select_option("pl")
    await page.get_by_role("button", name="Change").click()
    await expect(page.get_by_role("heading", name="Oś czasu")).to_be_visible()
    await expect(page.locator("#timeline-entries .chip", has_text="Telefon").first).to_be_visible()
    await screens.take(page, "customer-360-polish")


async def older_entries(page, stack, seeded: dict[str, str], screens: Screens) -> None:
    """A long history: the timeline shows its newest 20 entries, older ones on demand."""
    admin = await stack.admin()
    for number in range(25):
        added = await stack.http.post(
            f"/staff/v1/customers/{seeded['profile']}/notes",
            json={"type": "chat_transcript", "summary": f"Chat {number}"},
            headers=admin | {"X-Omni-Channel": "messenger", "Idempotency-Key": f"chat-{number}"},
        )
        assert added.status_code == 201, added.text
    await page.goto(f"{stack.base}/console/customers/{seeded['profile']}")
    timeline = page.locator("#timeline-entries")
    await expect(timeline.locator(".entry")).to_have_count(20)
    await expect(timeline).not_to_contain_text("Asked when the tee arrives")
    await page.get_by_role("button", name="Pokaż starsze wpisy").click()
    await expect(timeline).to_contain_text("Asked when the tee arrives")
    await expect(timeline.locator(".entry").first).to_contain_text("Chat 24")
    await screens.take(page, "older-entries")


async def test_the_console_refuses_forged_forms_foreign_stores_and_ended_sessions(stack, tmp_path):
    seeded = await customer_in_every_channel(stack)
    await stack.staff_member("kai", "associate", [seeded["XBERG"]])
    await stack.staff_member("cora", "consultant", [])
    made = await stack.http.post(
        "/staff/v1/users",
        json={"username": "nina", "password": PASSWORD, "role": "consultant", "store_ids": []},
        headers=await stack.admin(),
    )
    assert made.status_code == 201, made.text
    screens = Screens(tmp_path)
    async with chromium() as browser:
        context = await browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
        page = await context.new_page()
        async with screens.on_failure(page):
            await refusals(browser, page, stack.base, seeded, screens)

    timeline = await stack.http.get(
        f"/staff/v1/customers/{seeded['profile']}/timeline", headers=await stack.admin()
    )
    assert "forged" not in {e["summary"] for e in timeline.json()["entries"]}
    # Without a session the console answers with its sign-in page, never data.
    anonymous = httpx.get(f"{stack.base}/console/customers/{seeded['profile']}")
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/console/sign-in")


async def refusals(browser, page, base: str, seeded: dict[str, str], screens: Screens) -> None:
    context = page.context
    notes_url = f"{base}/console/customers/{seeded['profile']}/notes"
    await sign_in(page, base, "cora", PASSWORD)
    # The same note form, posted without its token: refused, nothing written.
    forged = await page.request.post(
        notes_url, form={"type": "note", "channel": "phone", "summary": "forged"}
    )
    assert forged.status == 403, await forged.text()
    assert "CSRF" in await forged.text()
    found = page.get_by_label("Phone, e-mail, name, loyalty card or order number")
    await found.fill(seeded["store_number"])
    await page.get_by_role("button", name="Search").click()
    await expect(page.locator("#results")).to_contain_text(seeded["store_number"])

    # The session cookie: HttpOnly, SameSite=Lax, for the console's paths only (Secure is off
    # here, for plain http); every page under a policy with no inline script or style.
    kept = await context.cookies()
    cookie = next(c for c in kept if c["name"] == "omni_console")
    assert (cookie["httpOnly"], cookie["sameSite"], cookie["path"]) == (True, "Lax", "/console")
    shown = await page.goto(f"{base}/console/customers/{seeded['profile']}")
    assert shown is not None
    policy = (await shown.all_headers())["content-security-policy"]
    assert "script-src 'self';" in policy and "style-src 'self';" in policy
    assert "unsafe-inline" not in policy
    assert (await shown.all_headers())["cache-control"] == "no-store"

    # Sign out: the cookie it had is worth nothing afterwards.
    await page.get_by_role("button", name="Sign out").click()
    await page.wait_for_url(re.compile(r"/console/sign-in"))
    replay = await browser.new_context()
    await replay.add_cookies(kept)
    again = await replay.new_page()
    await again.goto(f"{base}/console/customers")
    await expect(again).to_have_url(re.compile(r"/console/sign-in\?ended=ended"))
    await screens.take(again, "signed-out")

    # An associate of XBERG: the MITTE till's order is not theirs to find.
    associate = await browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
    await sign_in(associate, base, "kai", PASSWORD)
    found = associate.get_by_label("Phone, e-mail, name, loyalty card or order number")
    await found.fill(seeded["store_number"])
    await associate.get_by_role("button", name="Search").click()
    await expect(associate.locator("#results")).to_contain_text("Nothing found")
    await screens.take(associate, "associate-foreign-order")

    # A new colleague whose password an admin set: their own comes first.
    newcomer = await browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
    await newcomer.goto(f"{base}/console/sign-in")
    await newcomer.get_by_label("Username").fill("nina")
    await newcomer.get_by_label("Password", exact=True).fill(PASSWORD)
    await newcomer.get_by_role("button", name="Sign in").click()
    await newcomer.wait_for_url(f"{base}/console/password")
    await newcomer.get_by_label("Current password").fill(PASSWORD)
    await newcomer.get_by_label("New password").fill("password")
    await newcomer.get_by_role("button", name="Save and go on").click()
    await expect(newcomer.locator("#new_password-error")).to_be_visible()
    await screens.take(newcomer, "weak-password-refused")
    await newcomer.get_by_label("Current password").fill(PASSWORD)
    await newcomer.get_by_label("New password").fill("Nina's own till pass 2026")
    await newcomer.get_by_role("button", name="Save and go on").click()
    await newcomer.wait_for_url(f"{base}/console/customers")
