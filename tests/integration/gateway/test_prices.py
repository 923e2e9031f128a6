"""Prices through the gateway: per variant and currency on one listing, carts in each currency
a channel sells in, a variant's sale window flipping on time, the price history with its Omnibus
lowest price, and bad prices refused naming the field with nothing changed."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest

from omni.inventory.v1 import inventory_pb2, inventory_pb2_grpc
from omni_kit.app import channel

TEES = ["TEE-S", "TEE-XXL"]
ADDRESS = {"lines": ["Invalidenstr. 1"], "city": "Berlin", "country_code": "DE"}


@pytest.fixture
def service_settings() -> dict[str, dict]:
    return {"catalog": {"sale_poll_seconds": 0.2}}


def eur(amount: int) -> dict:
    return {"amount_minor": amount, "currency": "EUR"}


def pln(amount: int) -> dict:
    return {"amount_minor": amount, "currency": "PLN"}


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


async def t_shirt(stack, admin: dict, slug: str = "tee") -> str:
    """A T-shirt in S and XXL, ten of each in a warehouse."""
    body = {
        "slug": slug,
        "status": "active",
        "default_language": "en",
        "texts": {"en": {"name": "T-shirt"}},
        "variants": [
            {"sku": f"{sku}-{slug}", "attributes": {"size": sku.split("-")[1]}} for sku in TEES
        ],
    }
    reply = await stack.http.post("/staff/v1/catalog/products", json=body, headers=admin)
    assert reply.status_code == 201, reply.text
    async with channel(f"127.0.0.1:{stack.apps['inventory'].port}") as ch:
        inventory = inventory_pb2_grpc.InventoryServiceStub(ch)
        location = await inventory.CreateStockLocation(
            inventory_pb2.CreateStockLocationRequest(
                location=inventory_pb2.StockLocation(
                    code=f"WH-{slug.upper()}",
                    name="Warehouse",
                    kind=inventory_pb2.LOCATION_KIND_WAREHOUSE,
                    capabilities=inventory_pb2.LocationCapabilities(ships=True),
                )
            )
        )
        await inventory.ReceiveStock(
            inventory_pb2.ReceiveStockRequest(
                location_id=location.location.id,
                lines=[
                    inventory_pb2.StockQuantity(sku=f"{sku}-{slug}", quantity=10) for sku in TEES
                ],
            )
        )
    return str(reply.json()["id"])


async def put_listing(stack, admin, product_id: str, body: dict, status: int = 200, **params):
    reply = await stack.http.put(
        f"/staff/v1/catalog/products/{product_id}/listings/web",
        params=params,
        json={"published": True, **body},
        headers=admin,
    )
    assert reply.status_code == status, reply.text
    return reply.json()


async def page(stack, product_id: str) -> dict:
    reply = await stack.http.get(f"/api/v1/catalog/products/{product_id}")
    assert reply.status_code == 200, reply.text
    return dict(reply.json()["listing"])


def in_force(listing: dict, sku: str | None, currency: str) -> dict:
    """The price a shopper pays for `sku` in `currency`: the variant's own, else the product's."""
    shown = {(p["sku"], p["price"]["currency"]): p for p in listing["effective_prices"]}
    return dict(shown.get((sku, currency)) or shown[(None, currency)])


async def cart_with(
    stack, email: str, skus: list[str], currency: str | None = None, headers: dict | None = None
) -> dict:
    if headers is None:
        headers, _ = await stack.customer(email)
    params = {"currency": currency} if currency else {}
    cart = await stack.http.get("/api/v1/carts/current", params=params, headers=headers)
    assert cart.status_code == 200, cart.text
    for sku in skus:
        added = await stack.http.post(
            f"/api/v1/carts/{cart.json()['id']}/lines",
            json={"sku": sku, "quantity": 1},
            headers=headers,
        )
        assert added.status_code == 201, added.text
    return dict(added.json())


async def set_currencies(stack, admin, currencies: list[str], version: int = 0) -> dict:
    reply = await stack.http.put(
        "/staff/v1/catalog/channels/web/currencies",
        json={"currencies": currencies, "version": version},
        headers=admin,
    )
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


def problem(reply, status: int, field: str) -> dict:
    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"].startswith("application/problem+json")
    body = reply.json()
    assert [e["field"] for e in body["errors"]] == [field], body
    return dict(body)


async def test_a_t_shirt_in_xxl_costs_more_than_in_s_on_web_in_pages_feeds_and_carts(stack):
    admin = await stack.admin()
    tee = await t_shirt(stack, admin)
    listing = await put_listing(
        stack,
        admin,
        tee,
        {
            "price": eur(2000),
            "prices": [{"sku": "TEE-XXL-tee", "price": eur(2500), "compare_at_price": eur(3000)}],
        },
    )
    assert listing["prices"] == [
        {
            "sku": "TEE-XXL-tee",
            "price": eur(2500),
            "compare_at_price": eur(3000),
            "sale_price": None,
            "sale_starts_at": None,
            "sale_ends_at": None,
        }
    ]
    shown = await page(stack, tee)
    assert in_force(shown, "TEE-S-tee", "EUR")["price"] == eur(2000)
    xxl = in_force(shown, "TEE-XXL-tee", "EUR")
    assert (xxl["price"], xxl["compare_at_price"], xxl["on_sale"]) == (eur(2500), eur(3000), False)

    browse = await stack.http.get("/api/v1/catalog/products", params={"q": "T-shirt"})
    assert browse.status_code == 200, browse.text
    [item] = browse.json()["items"]
    assert in_force(item["listing"], "TEE-XXL-tee", "EUR")["price"] == eur(2500)

    market, market_key = await stack.partner("market", ["catalog:read"])
    on_market = await stack.http.put(
        f"/staff/v1/catalog/products/{tee}/listings/marketplace",
        params={"partner_id": market},
        json={
            "published": True,
            "price": eur(2100),
            "prices": [{"sku": "TEE-XXL-tee", "price": eur(2600)}],
        },
        headers=admin,
    )
    assert on_market.status_code == 200, on_market.text
    feed = await stack.http.get("/partner/v1/catalog/feed", headers=market_key)
    assert feed.status_code == 200, feed.text
    rows = [json.loads(line) for line in feed.text.splitlines()]
    assert {(r["sku"], r["price_minor"], r["effective_price_minor"]) for r in rows} == {
        ("TEE-S-tee", 2100, 2100),
        ("TEE-XXL-tee", 2600, 2600),
    }

    cart = await cart_with(stack, "xxl@example.com", ["TEE-S-tee", "TEE-XXL-tee"])
    assert {line["sku"]: line["unit_price"] for line in cart["lines"]} == {
        "TEE-S-tee": eur(2000),
        "TEE-XXL-tee": eur(2500),
    }
    assert cart["subtotal"] == eur(4500)


async def test_a_channel_selling_in_pln_and_eur_makes_carts_in_each(stack):
    admin = await stack.admin()
    unset = await stack.http.get("/staff/v1/catalog/channels/web/currencies", headers=admin)
    assert unset.status_code == 200, unset.text
    assert (unset.json()["currencies"], unset.json()["version"]) == (["EUR"], 0)
    sold = await set_currencies(stack, admin, ["PLN", "EUR"])
    assert (sold["currencies"], sold["version"]) == (["PLN", "EUR"], 1)

    tee = await t_shirt(stack, admin)
    await put_listing(
        stack,
        admin,
        tee,
        {
            "price": pln(8900),
            "prices": [
                {"price": eur(2000)},
                {"sku": "TEE-XXL-tee", "price": pln(9900)},
                {"sku": "TEE-XXL-tee", "price": eur(2300)},
            ],
        },
    )
    shown = await page(stack, tee)
    assert in_force(shown, "TEE-S-tee", "PLN")["price"] == pln(8900)
    assert in_force(shown, "TEE-S-tee", "EUR")["price"] == eur(2000)

    in_pln = await cart_with(stack, "pln@example.com", ["TEE-S-tee", "TEE-XXL-tee"])
    assert in_pln["currency"] == "PLN"  # the channel's first currency
    assert in_pln["subtotal"] == pln(8900 + 9900)
    in_eur = await cart_with(stack, "eur@example.com", ["TEE-S-tee", "TEE-XXL-tee"], "EUR")
    assert {line["sku"]: line["unit_price"] for line in in_eur["lines"]} == {
        "TEE-S-tee": eur(2000),
        "TEE-XXL-tee": eur(2300),
    }
    assert in_eur["subtotal"] == eur(4300)

    shopper, _ = await stack.customer("usd@example.com")
    in_usd = await stack.http.get(
        "/api/v1/carts/current", params={"currency": "USD"}, headers=shopper
    )
    assert problem(in_usd, 422, "currency_code")["code"] == "CURRENCY_NOT_SOLD"
    # Nothing was made: the shopper's cart, once asked in a currency sold here, is a new one.
    made = await stack.http.get("/api/v1/carts/current", headers=shopper)
    assert (made.json()["currency"], made.json()["lines"]) == ("PLN", [])

    stale = await stack.http.put(
        "/staff/v1/catalog/channels/web/currencies",
        json={"currencies": ["EUR"], "version": 0},
        headers=admin,
    )
    assert problem(stale, 409, "version")["code"] == "VERSION_MISMATCH"
    twice = await stack.http.put(
        "/staff/v1/catalog/channels/web/currencies",
        json={"currencies": ["EUR", "EUR"], "version": 1},
        headers=admin,
    )
    assert problem(twice, 422, "currencies")["code"] == "DUPLICATE_CURRENCY"
    lower = await stack.http.put(
        "/staff/v1/catalog/channels/web/currencies",
        json={"currencies": ["eur"], "version": 1},
        headers=admin,
    )
    problem(lower, 422, "currencies[0]")
    unknown = await stack.http.put(
        "/staff/v1/catalog/channels/web/currencies",
        json={"currencies": ["EUR", "XYZ"], "version": 1},
        headers=admin,
    )
    assert problem(unknown, 422, "currencies[1]")["code"] == "INVALID_CURRENCY"
    after = await stack.http.get("/staff/v1/catalog/channels/web/currencies", headers=admin)
    assert (after.json()["currencies"], after.json()["version"]) == (["PLN", "EUR"], 1)


async def patch_listing(stack, admin, product_id: str, version: int, body: dict):
    return await stack.http.patch(
        f"/staff/v1/catalog/products/{product_id}/listings/web",
        json={**body, "version": version},
        headers=admin,
    )


async def until_shown(stack, product_id: str, sku: str, expected: tuple[int, bool]) -> dict:
    """The product page once the variant's price in force is `expected` (the page is cached
    and follows the catalog's price events)."""
    for _ in range(200):
        price = in_force(await page(stack, product_id), sku, "EUR")
        if (price["price"]["amount_minor"], price["on_sale"]) == expected:
            return price
        await asyncio.sleep(0.1)
    raise AssertionError(f"{sku} never shown at {expected}: {price}")


async def history(stack, admin, product_id: str, sku: str | None = None) -> dict:
    reply = await stack.http.get(
        f"/staff/v1/catalog/products/{product_id}/listings/web/price-history",
        params={"currency": "EUR", **({"sku": sku} if sku else {})},
        headers=admin,
    )
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


async def test_a_variant_sale_window_opens_and_closes_on_time(stack):
    admin = await stack.admin()
    tee = await t_shirt(stack, admin)
    starts = datetime.now(UTC) + timedelta(seconds=3)
    ends = starts + timedelta(seconds=8)
    await put_listing(
        stack,
        admin,
        tee,
        {
            "price": eur(2000),
            "prices": [
                {
                    "sku": "TEE-XXL-tee",
                    "price": eur(2500),
                    "sale_price": eur(1900),
                    "sale_starts_at": iso(starts),
                    "sale_ends_at": iso(ends),
                }
            ],
        },
    )
    before = in_force(await page(stack, tee), "TEE-XXL-tee", "EUR")
    assert (before["price"], before["on_sale"]) == (eur(2500), False)

    on_sale = await until_shown(stack, tee, "TEE-XXL-tee", (1900, True))
    assert datetime.now(UTC) >= starts
    assert on_sale["compare_at_price"] == eur(2500)  # the "was" price during a sale
    assert in_force(await page(stack, tee), "TEE-S-tee", "EUR")["price"] == eur(2000)
    shopper, _ = await stack.customer("sale@example.com")
    cart = await cart_with(stack, "", ["TEE-XXL-tee"], headers=shopper)
    assert cart["lines"][0]["unit_price"] == eur(1900)
    placed = await stack.http.post(
        "/api/v1/orders",
        json={
            "cart_id": cart["id"],
            "delivery": {"mode": "home_delivery", "address": ADDRESS},
            "payment_method": "online_card",
            "payment_token": "tok_visa",
        },
        headers=shopper | {"Idempotency-Key": "sale-order"},
    )
    assert placed.status_code == 201, placed.text

    await until_shown(stack, tee, "TEE-XXL-tee", (2500, False))
    assert datetime.now(UTC) >= ends
    # The order keeps the price it was sold at.
    order = await stack.http.get(f"/api/v1/orders/{placed.json()['id']}", headers=shopper)
    assert order.json()["lines"][0]["unit_price"] == eur(1900)
    changes = (await history(stack, admin, tee, "TEE-XXL-tee"))["entries"]
    assert [(e["price"]["amount_minor"], e["on_sale"]) for e in changes] == [
        (2500, False),
        (1900, True),
        (2500, False),
    ]


async def test_the_omnibus_lowest_price_follows_price_changes_and_a_sale(stack):
    admin = await stack.admin()
    tee = await t_shirt(stack, admin)
    await put_listing(stack, admin, tee, {"price": eur(3000)})
    for version, amount in ((1, 2000), (2, 2600)):
        changed = await patch_listing(stack, admin, tee, version, {"price": eur(amount)})
        assert changed.status_code == 200, changed.text
    before_sale = await history(stack, admin, tee)
    assert (before_sale["current_price"], before_sale["lowest_price_30d"]) == (eur(2600), eur(2000))

    starts = datetime.now(UTC) + timedelta(seconds=1)
    sale = await patch_listing(
        stack, admin, tee, 3, {"sale_price": eur(2200), "sale_starts_at": iso(starts)}
    )
    assert sale.status_code == 200, sale.text
    shown = await until_shown(stack, tee, "TEE-XXL-tee", (2200, True))
    # Announced at 22.00, the lowest of the 30 days before is 20.00, not the 26.00 it was.
    assert shown["lowest_price_30d"] == eur(2000)
    for sku in (None, "TEE-S-tee", "TEE-XXL-tee"):
        seen = await history(stack, admin, tee, sku)
        assert (seen["current_price"], seen["lowest_price_30d"]) == (eur(2200), eur(2000))
        assert [e["price"]["amount_minor"] for e in seen["entries"]] == [2200, 2600, 2000, 3000]

    cart = await cart_with(stack, "omnibus@example.com", ["TEE-S-tee"])
    assert cart["lines"][0]["unit_price"] == eur(2200)


async def test_bad_prices_are_refused_naming_the_field_and_change_nothing(stack):
    admin = await stack.admin()
    await set_currencies(stack, admin, ["EUR"])
    tee = await t_shirt(stack, admin)
    await put_listing(
        stack,
        admin,
        tee,
        {"price": eur(2000), "prices": [{"sku": "TEE-XXL-tee", "price": eur(2500)}]},
    )
    xxl = "TEE-XXL-tee"
    soon = datetime.now(UTC) + timedelta(days=1)
    refused = [
        (
            {"sku": xxl, "price": {"amount_minor": -1, "currency": "EUR"}},
            "prices[0].price.amount_minor",
            None,
        ),
        (
            {"sku": xxl, "price": {"amount_minor": 2**63, "currency": "EUR"}},
            "prices[0].price.amount_minor",
            None,
        ),
        ({"sku": xxl, "price": eur(10**16)}, "prices[0].price.amount_minor", "AMOUNT_TOO_LARGE"),
        (
            {"sku": xxl, "price": {"amount_minor": 1, "currency": "EURO"}},
            "prices[0].price.currency",
            None,
        ),
        (
            {"sku": xxl, "price": {"amount_minor": 1, "currency": "XYZ"}},
            "prices[0].price.currency",
            "INVALID_CURRENCY",
        ),
        ({"sku": xxl, "price": pln(9900)}, "prices[0].price.currency", "CURRENCY_NOT_SOLD"),
        ({"sku": "TEE-M", "price": eur(2500)}, "prices[0].sku", None),
        (
            {"sku": xxl, "price": eur(2500), "compare_at_price": eur(2000)},
            "prices[0].compare_at_price.amount_minor",
            "COMPARE_AT_BELOW_PRICE",
        ),
        (
            {
                "sku": xxl,
                "price": eur(2500),
                "sale_price": eur(1900),
                "sale_starts_at": iso(soon),
                "sale_ends_at": iso(soon - timedelta(hours=1)),
            },
            "prices[0].sale_ends_at",
            "SALE_WINDOW_INVERTED",
        ),
        ({"price": eur(2100)}, "prices[0].price.currency", "DUPLICATE_PRICE"),
    ]
    for entry, field, code in refused:
        reply = await patch_listing(stack, admin, tee, 1, {"prices": [entry]})
        body = problem(reply, 422, field)
        assert code is None or body["code"] == code, body
    in_pln = await patch_listing(stack, admin, tee, 1, {"price": pln(9900)})
    assert problem(in_pln, 422, "price.currency")["code"] == "CURRENCY_NOT_SOLD"

    [listing] = (
        await stack.http.get(f"/staff/v1/catalog/products/{tee}/listings", headers=admin)
    ).json()["items"]
    assert (listing["version"], listing["price"]) == (1, eur(2000))
    assert [(p["sku"], p["price"]) for p in listing["prices"]] == [(xxl, eur(2500))]
    assert len((await history(stack, admin, tee, xxl))["entries"]) == 1
    unpriced = await stack.http.get(
        f"/staff/v1/catalog/products/{tee}/listings/web/price-history",
        params={"currency": "PLN"},
        headers=admin,
    )
    assert problem(unpriced, 422, "currency")["code"] == "NOT_PRICED_IN_CURRENCY"
