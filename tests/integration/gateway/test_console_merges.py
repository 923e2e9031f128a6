"""A consultant merges two profiles of one person in the console (a real browser against the
real stack): find the other profile, see what would move, merge it (merging a profile into
itself is refused in the customer service's words), then undo the merge; the customer 360 lists
the merges with their undo state. A consent changed on the customer's request from the 360 page
(a refusal next to its field, the change in the table and the timeline). An associate is refused
the merge page and sees no consent form."""

from __future__ import annotations

import pytest
from console_browser import HEIGHT, WIDTH, Screens, chromium, sign_in
from playwright.async_api import expect
from test_orders import seed

from omni_kit.ids import new_id

pytestmark = pytest.mark.timeout(300)
PASSWORD = "long enough pw"  # conftest's STAFF_PASSWORD


@pytest.fixture
def gateway_settings() -> dict[str, str]:
    return {"console_cookie_secure": "false"}  # the test's gateway speaks plain http


async def till_customer(stack, headers: dict[str, str], **fields: str) -> str:
    made = await stack.http.post(
        "/staff/v1/customers",
        json=fields,
        headers=headers | {"X-Omni-Channel": "phone", "Idempotency-Key": new_id("till")},
    )
    assert made.status_code == 201, made.text
    return str(made.json()["profile"]["id"])


async def test_a_consultant_merges_two_profiles_and_undoes_it(stack, tmp_path):
    await stack.staff_member("cora", "consultant", [])
    stores = await seed(stack)
    await stack.staff_member("kai", "associate", [stores["MITTE"]])
    admin = await stack.admin()
    stays = await till_customer(stack, admin, phone="+48601777888", display_name="Ewa Kot")
    goes = await till_customer(stack, admin, email="ewa.kot@example.com", display_name="E. Kot")
    screens = Screens(tmp_path)
    async with chromium() as browser:
        page = await browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
        async with screens.on_failure(page):
            await sign_in(page, stack.base, "cora", PASSWORD)
            await page.goto(f"{stack.base}/console/customers/{stays}")
            await page.get_by_role("link", name="Merge another profile into this one").click()
            await page.get_by_label("Find the other profile").fill("ewa.kot@example.com")
            await page.get_by_role("button", name="Search").click()
            await page.get_by_role("link", name="Preview merging E. Kot").click()
            preview = page.locator("#preview-h + p + ul")
            await expect(preview).to_contain_text("ewa.kot@example.com")
            await expect(preview).not_to_contain_text("+48601777888")  # it stays, it does not move
            await screens.take(page, "merge-preview")

            # The customer service refuses a profile merged into itself, at the field.
            await page.goto(f"{stack.base}/console/customers/{stays}/merge?other={stays}")
            await page.get_by_role("button", name="Merge", exact=True).click()
            await expect(page.locator("#other-error")).to_have_text(
                "a profile cannot be merged with itself"
            )

            await page.goto(f"{stack.base}/console/customers/{stays}/merge?other={goes}")
            await page.get_by_label("Why these are one person").fill("Same phone on the call")
            await page.get_by_role("button", name="Merge", exact=True).click()
            await expect(page.get_by_role("heading", name="Profiles merged")).to_be_visible()
            await expect(page.locator("main")).to_contain_text("ewa.kot@example.com")
            await expect(page.locator("main")).to_contain_text("+48601777888")
            await screens.take(page, "merged")
            merged = await stack.http.get(f"/staff/v1/customers/{goes}", headers=admin)
            assert merged.json()["profile"]["id"] == stays  # the merged one opens the survivor

            await page.get_by_label("Why the merge was wrong").fill("Two people after all")
            await page.get_by_role("button", name="Undo this merge").click()
            await expect(page.get_by_role("heading", name="Merge undone")).to_be_visible()
            await screens.take(page, "merge-undone")
            await page.goto(f"{stack.base}/console/customers/{stays}")
            merges = page.locator("#merges tbody tr")
            await expect(merges).to_have_count(1)
            await expect(merges.first).to_contain_text("undone")
            await expect(merges.first).to_contain_text("Same phone on the call")

            await consent_on_request(page, stack, stays, admin)
            await screens.take(page, "consent-on-request")

        associate = await browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
        await sign_in(associate, stack.base, "kai", PASSWORD)
        refused = await associate.goto(f"{stack.base}/console/customers/{stays}/merge")
        assert refused is not None and refused.status == 403
        await expect(associate.locator("main")).to_contain_text("this needs one of the roles")
        await associate.goto(f"{stack.base}/console/customers/{stays}")
        await expect(associate.locator("#consents table")).to_be_visible()
        await expect(associate.locator("#consent-form")).to_have_count(0)
        await expect(associate.locator("#merges")).to_have_count(0)

    back = await stack.http.get(f"/staff/v1/customers/{goes}", headers=admin)
    assert back.json()["profile"]["id"] == goes
    identities = {i["value"] for i in back.json()["profile"]["identities"]}
    assert identities == {"ewa.kot@example.com"}


async def consent_on_request(page, stack, profile_id: str, admin: dict[str, str]) -> None:
    """The customer asks on the phone for no more marketing SMS: a value the API refuses is
    shown at its field, then the change shows in the table and in the timeline."""
    form = page.locator("#consent-form")
    await form.get_by_label("Contact channel").select_option("sms")
    await form.get_by_label("Purpose").select_option("marketing")
    await form.get_by_label("does not agree").check()
    await form.get_by_label("Asked in").select_option("phone")
    # A channel the API does not know (as a tampered form would send it): refused at the field.
    await form.get_by_label("Contact channel").evaluate(
        "s => { s.options[s.selectedIndex].value = 'pigeon' }"
    )
    await form.get_by_role("button", name="Record").click()
    await expect(page.locator("#channel-error")).to_contain_text("pigeon")
    form = page.locator("#consent-form")
    await form.get_by_label("Contact channel").select_option("sms")
    await form.get_by_label("Purpose").select_option("marketing")
    await form.get_by_label("does not agree").check()
    await form.get_by_role("button", name="Record").click()
    await expect(page.locator("#consents [role=status]")).to_have_text(
        "Recorded as the customer's request."
    )
    row = page.locator("#consents tbody tr")
    await expect(row).to_have_count(1)
    await expect(row).to_contain_text("SMS")
    await expect(row).to_contain_text("on the customer's request")
    await expect(page.locator("#timeline")).to_contain_text(
        "Marketing by sms: withdrawn (phone), on the customer's request"
    )
    stored = await stack.http.get(f"/staff/v1/customers/{profile_id}", headers=admin)
    consent = stored.json()["profile"]["preferences"]["consents"][0]
    assert (consent["granted"], consent["customer_request"]) == (False, True)
