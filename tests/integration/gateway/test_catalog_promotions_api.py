"""Catalog promotions through the gateway and the real services: 20 % off a category on the web
for a few seconds shows in the product page only once it starts (the app keeps its price), a web
checkout charges the promoted price, so does a marketplace partner's feed when the promotion
names it, the page flips back when it ends, the price history keeps
the promoted price; bad terms are refused naming the field with nothing stored, and changes need
the version read."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest
from voucher_builders import cart_with, check_out, set_up_shop

PROMOTIONS = "/staff/v1/catalog-promotions"
WEB_PRICE = 1999  # PLN, set_up_shop's T-shirt in apparel
PROMOTED = 1599  # 20 % of 1999 is 399.8: 400 off, rounded half up


@pytest.fixture
def service_settings() -> dict[str, dict]:
    return {"catalog": {"sale_poll_seconds": 0.2}}


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def terms(category_id: str, starts: datetime, ends: datetime, **fields) -> dict:
    return {
        "name": "Spring apparel",
        "percentage_basis_points": 2000,
        "category_ids": [category_id],
        "channels": [{"channel": "web"}],
        "starts_at": iso(starts),
        "ends_at": iso(ends),
    } | fields


async def shown(stack, product_id: str, channel: str = "web") -> tuple[int, bool, int | None]:
    """The product page's price in force on a channel: (amount, on sale, compare-at amount)."""
    reply = await stack.http.get(
        f"/api/v1/catalog/products/{product_id}", headers={"X-Omni-Channel": channel}
    )
    assert reply.status_code == 200, reply.text
    [price] = reply.json()["listing"]["effective_prices"]
    was = price["compare_at_price"]
    return price["price"]["amount_minor"], price["on_sale"], was and was["amount_minor"]


async def fed(stack, partner_key: dict) -> int:
    """The T-shirt's price in force in the partner's feed."""
    feed = await stack.http.get("/partner/v1/catalog/feed", headers=partner_key)
    assert feed.status_code == 200, feed.text
    [row] = [json.loads(line) for line in feed.text.splitlines()]
    return int(row["effective_price_minor"])


async def until_shown(stack, product_id: str, expected: tuple, timeout: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while (got := await shown(stack, product_id)) != expected:
        assert asyncio.get_running_loop().time() < deadline, f"{got}, never {expected}"
        await asyncio.sleep(0.1)


async def test_a_promotion_prices_web_pages_and_checkout_while_in_force_then_flips_back(stack):
    admin = await stack.admin()
    ids = await set_up_shop(stack, admin)
    market, market_key = await stack.partner("market", ["catalog:read"])
    on_market = await stack.http.put(
        f"/staff/v1/catalog/products/{ids['TEE']}/listings/marketplace",
        params={"partner_id": market},
        json={"published": True, "price": {"amount_minor": 2000, "currency": "EUR"}},
        headers=admin,
    )
    assert on_market.status_code == 200, on_market.text
    starts = datetime.now(UTC) + timedelta(seconds=4)
    ends = starts + timedelta(seconds=10)
    channels = [
        {"channel": "web", "partner_id": None},
        {"channel": "marketplace", "partner_id": market},
    ]
    made = await stack.http.post(
        PROMOTIONS, json=terms(ids["apparel"], starts, ends, channels=channels), headers=admin
    )
    assert made.status_code == 201, made.text
    assert made.headers["ETag"] == '"1"'
    assert (made.json()["active"], made.json()["channels"]) == (True, channels)
    assert await fed(stack, market_key) == 2000
    assert await shown(stack, ids["TEE"]) == (WEB_PRICE, False, None)

    await until_shown(stack, ids["TEE"], (PROMOTED, True, WEB_PRICE))
    assert datetime.now(UTC) >= starts
    assert (await shown(stack, ids["TEE"], "app"))[:2] == (WEB_PRICE, False)
    assert (await shown(stack, ids["MUG"]))[:2] == (1000, False)  # not in the category
    browse = await stack.http.get("/api/v1/catalog/products", params={"q": "TEE"})
    assert browse.status_code == 200, browse.text
    [item] = [i for i in browse.json()["items"] if i["product"]["id"] == ids["TEE"]]
    [price] = item["listing"]["effective_prices"]
    assert (price["price"]["amount_minor"], price["compare_at_price"]["amount_minor"]) == (
        PROMOTED,
        WEB_PRICE,
    )

    assert await fed(stack, market_key) == 1600  # the partner's own listing, 20 % off 20.00
    shopper, _ = await stack.customer("promoted@example.com")
    cart = await cart_with(stack, shopper, {"TEE": 1})
    assert cart["lines"][0]["unit_price"]["amount_minor"] == PROMOTED
    placed = await check_out(stack, shopper, cart, ids["store"], "promoted-order")
    assert placed.status_code == 201, placed.text
    assert placed.json()["lines"][0]["unit_price"]["amount_minor"] == PROMOTED

    await until_shown(stack, ids["TEE"], (WEB_PRICE, False, None))
    assert datetime.now(UTC) >= ends
    history = await stack.http.get(
        f"/staff/v1/catalog/products/{ids['TEE']}/listings/web/price-history",
        params={"currency": "PLN"},
        headers=admin,
    )
    assert history.status_code == 200, history.text
    assert [e["price"]["amount_minor"] for e in history.json()["entries"]] == [
        WEB_PRICE,
        PROMOTED,
        WEB_PRICE,
    ]


async def test_bad_terms_are_refused_naming_the_field_and_changes_need_the_version(stack):
    admin = await stack.admin()
    category = await stack.http.post(
        "/staff/v1/catalog/categories", json={"name": "Shoes", "slug": "shoes"}, headers=admin
    )
    assert category.status_code == 201, category.text
    shoes = category.json()["id"]
    now = datetime.now(UTC)
    good = terms(shoes, now + timedelta(days=1), now + timedelta(days=2))
    cases = [
        ({**good, "percentage_basis_points": 0}, "percentage_basis_points"),
        ({**good, "percentage_basis_points": 10001}, "percentage_basis_points"),
        ({**good, "ends_at": iso(now)}, "ends_at"),
        ({**good, "category_ids": ["cat_nope"]}, "category_ids[0]"),
        ({**good, "channels": [{"channel": "telegraph"}]}, "channels[0].channel"),
        ({**good, "channels": [{"channel": "marketplace"}]}, "channels[0].partner_id"),
    ]
    for body, field in cases:
        refused = await stack.http.post(PROMOTIONS, json=body, headers=admin)
        assert 400 <= refused.status_code < 500, (body, refused.text)
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert [e["field"] for e in refused.json()["errors"]] == [field], (body, refused.text)
    assert (await stack.http.get(PROMOTIONS, headers=admin)).json()["items"] == []

    made = await stack.http.post(PROMOTIONS, json=good, headers=admin)
    assert made.status_code == 201, made.text
    url = f"{PROMOTIONS}/{made.json()['id']}"
    changed = {**good, "percentage_basis_points": 1500}
    unversioned = await stack.http.put(url, json=changed, headers=admin)
    assert unversioned.status_code == 422, unversioned.text
    assert [e["field"] for e in unversioned.json()["errors"]] == ["If-Match"]
    stale = await stack.http.put(url, json=changed, headers=admin | {"If-Match": '"7"'})
    assert stale.status_code == 409, stale.text
    assert (await stack.http.get(url, headers=admin)).json() == made.json()
    replaced = await stack.http.put(url, json=changed, headers=admin | {"If-Match": '"1"'})
    assert replaced.status_code == 200, replaced.text
    assert (replaced.json()["percentage_basis_points"], replaced.headers["ETag"]) == (1500, '"2"')
    off = await stack.http.post(f"{url}/deactivate", headers=admin | {"If-Match": '"2"'})
    assert off.status_code == 200, off.text
    assert (off.json()["active"], off.json()["version"]) == (False, 3)
    active = await stack.http.get(PROMOTIONS, params={"active_only": "true"}, headers=admin)
    assert active.json()["items"] == []
    staff = await stack.staff_member("consultant", "consultant", [])
    refused = await stack.http.post(PROMOTIONS, json=good, headers=staff)
    assert refused.status_code == 403, refused.text
