"""Tax through the gateway: rates per country and class with validity windows (PL 23/8/5/0 %,
UA 20/7/0 %, DE 19/7 %), channels with and without tax in their prices, net/tax/gross on cart,
order and return lines rounded per line and totalled exactly, a return refunding the tax it
charged, the sales report's net and tax per channel and currency, and bad input refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from voucher_builders import customers_pickup_code, store_with_stock

SINCE = "2020-01-01T00:00:00Z"
RATES = {
    "PL": {"standard": 2300, "reduced": 800, "super_reduced": 500, "zero": 0},
    "UA": {"standard": 2000, "reduced": 700, "zero": 0},
    "DE": {"standard": 1900, "reduced": 700},
}
# channel -> (country, prices include tax, currency)
CHANNELS = {"web": ("PL", True, "PLN"), "app": ("UA", False, "UAH"), "social": ("DE", True, "EUR")}
PRODUCTS = {"STD": "standard", "RED": "reduced", "SUP": "super_reduced", "ZER": "zero"}
PRICE = 1999  # odd on purpose: every line needs rounding


def expected(amount: int, rate: int, included: bool) -> tuple[int, int, int]:
    """(net, tax, gross) by the documented rule, computed here with decimals, independently."""
    share = Decimal(rate) / Decimal(10_000)
    if included:
        tax = (Decimal(amount) * share / (1 + share)).quantize(Decimal(1), ROUND_HALF_UP)
        return amount - int(tax), int(tax), amount
    tax = (Decimal(amount) * share).quantize(Decimal(1), ROUND_HALF_UP)
    return amount, int(tax), amount + int(tax)


def amounts(breakdown: dict) -> tuple[int, int, int]:
    return tuple(breakdown[k]["amount_minor"] for k in ("net", "tax", "gross"))  # type: ignore[return-value]


async def add_rate(stack, admin, country: str, tax_class: str, rate: int, since: str) -> None:
    body = {"country_code": country, "tax_class": tax_class, "rate_basis_points": rate}
    made = await stack.http.post(
        "/staff/v1/tax/rates", json=body | {"valid_from": since}, headers=admin
    )
    assert made.status_code == 201, made.text


async def change_over(stack, admin, country: str, tax_class: str, rate: int, at: str) -> None:
    """The country's rate for the class ends at `at`, and `rate` starts then."""
    listed = await stack.http.get(f"/staff/v1/tax/rates?country_code={country}", headers=admin)
    current = next(r for r in listed.json()["items"] if r["tax_class"] == tax_class)
    ended = await stack.http.patch(
        f"/staff/v1/tax/rates/{current['id']}", json={"valid_until": at}, headers=admin
    )
    assert ended.status_code == 200, ended.text
    assert ended.json()["valid_until"] is not None
    await add_rate(stack, admin, country, tax_class, rate, at)


async def set_up_tax(stack, admin: dict[str, str]) -> None:
    for country, classes in RATES.items():
        for tax_class, rate in classes.items():
            await add_rate(stack, admin, country, tax_class, rate, SINCE)
    for name, (country, included, _) in CHANNELS.items():
        changed = await stack.http.patch(
            f"/staff/v1/tax/channels/{name}",
            json={"country_code": country, "prices_include_tax": included},
            headers=admin,
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["country_code"] == country


async def set_up_catalog(stack, admin: dict[str, str]) -> dict[str, str]:
    """One product per tax class, listed on each channel in its currency, with stock in a store;
    returns the store's id."""
    for sku, tax_class in PRODUCTS.items():
        made = await stack.http.post(
            "/staff/v1/catalog/products",
            json={
                "slug": sku.lower(),
                "texts": {"en": {"name": sku}},
                "default_language": "en",
                "status": "active",
                "variants": [{"sku": sku}],
                "tax_class": tax_class,
            },
            headers=admin,
        )
        assert made.status_code == 201, made.text
        assert made.json()["tax_class"] == tax_class
        for name, (_, _, currency) in CHANNELS.items():
            listed = await stack.http.put(
                f"/staff/v1/catalog/products/{made.json()['id']}/listings/{name}",
                json={"price": {"amount_minor": PRICE, "currency": currency}, "published": True},
                headers=admin,
            )
            assert listed.status_code in (200, 201), listed.text
    return await store_with_stock(
        stack, "KRK", "Krakow", (50.06, 19.94), dict.fromkeys(PRODUCTS, 50)
    )


async def cart_of(stack, email: str, name: str, lines: dict[str, int]) -> tuple[dict, dict]:
    """A customer's cart on channel `name`, in its currency, with `lines` (SKU -> quantity)."""
    customer, _ = await stack.customer(email)
    headers = customer | {"X-Omni-Channel": name}
    currency = CHANNELS[name][2]
    cart = await stack.http.get(f"/api/v1/carts/current?currency={currency}", headers=headers)
    assert cart.status_code in (200, 201), cart.text
    body = cart.json()
    for sku, quantity in lines.items():
        added = await stack.http.post(
            f"/api/v1/carts/{body['id']}/lines",
            json={"sku": sku, "quantity": quantity},
            headers=headers,
        )
        assert added.status_code == 201, added.text
        body = added.json()
    return headers, body


def check_taxed(body: dict, lines: dict[str, int], name: str, totals: dict) -> None:
    """Each line and each rate as the rule gives them, and totals the exact sums."""
    country, included, currency = CHANNELS[name]
    by_rate: dict[tuple[str, int], list[int]] = {}
    for line in body["lines"]:
        tax_class = PRODUCTS[line["sku"]]
        rate = RATES[country].get(tax_class, 0)
        want = expected(PRICE * lines[line["sku"]], rate, included)
        assert line["tax"]["tax_class"] == tax_class
        assert line["tax"]["rate_basis_points"] == rate
        assert amounts(line["tax"]) == want, (name, line["sku"])
        assert line["tax"]["gross"]["currency"] == currency
        assert line["line_total"]["amount_minor"] == want[2]
        summed = by_rate.setdefault((tax_class, rate), [0, 0, 0])
        for index in range(3):
            summed[index] += want[index]
    shown = {(t["tax_class"], t["rate_basis_points"]): list(amounts(t)) for t in totals["lines"]}
    assert shown == by_rate
    net = sum(v[0] for v in by_rate.values())
    tax = sum(v[1] for v in by_rate.values())
    assert (totals["net"], totals["tax"], totals["gross"]) == (net, tax, net + tax)


def cart_totals(cart: dict) -> dict:
    return {
        "lines": cart["tax_lines"],
        "net": cart["net_total"]["amount_minor"],
        "tax": cart["tax_total"]["amount_minor"],
        "gross": cart["subtotal"]["amount_minor"],
    }


def order_totals(order: dict) -> dict:
    totals = order["totals"]
    return {
        "lines": totals["tax_lines"],
        "net": totals["net"]["amount_minor"],
        "tax": totals["tax"]["amount_minor"],
        "gross": totals["subtotal"]["amount_minor"],
    }


async def place(stack, headers: dict[str, str], cart: dict, store: str, key: str) -> dict:
    placed = await stack.http.post(
        "/api/v1/orders",
        json={
            "cart_id": cart["id"],
            "delivery": {"mode": "click_and_collect", "pickup_location_id": store},
            "payment_method": "pay_in_store",
        },
        headers=headers | {"Idempotency-Key": key},
    )
    assert placed.status_code == 201, placed.text
    return placed.json()


async def currencies_are_never_added_up(stack) -> None:
    """A SKU the web lists in PLN, added to a cart in EUR: refused, the cart unchanged."""
    customer, _ = await stack.customer("mixed@example.com")
    headers = customer | {"X-Omni-Channel": "web"}
    cart = (await stack.http.get("/api/v1/carts/current?currency=EUR", headers=headers)).json()
    refused = await stack.http.post(
        f"/api/v1/carts/{cart['id']}/lines", json={"sku": "STD", "quantity": 1}, headers=headers
    )
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "CURRENCY_MISMATCH"
    again = (await stack.http.get(f"/api/v1/carts/{cart['id']}", headers=headers)).json()
    assert again["lines"] == [] and again["subtotal"]["amount_minor"] == 0


async def test_pl_ua_and_de_rates_in_both_price_modes_on_carts_orders_returns_and_the_report(
    stack,
):
    admin = await stack.admin()
    await set_up_tax(stack, admin)
    store = await set_up_catalog(stack, admin)
    # DE standard changes in 2100: the rate in force now stays 19 % until then.
    await change_over(stack, admin, "DE", "standard", 2100, "2100-01-01T00:00:00Z")
    await currencies_are_never_added_up(stack)

    pl_lines = {"STD": 3, "RED": 1, "SUP": 2, "ZER": 1}
    ua_lines = {"STD": 3, "RED": 1, "ZER": 2}
    de_lines = {"STD": 1, "RED": 2}
    orders, shoppers = {}, {}
    for name, email, lines in (
        ("web", "pl@example.com", pl_lines),
        ("app", "ua@example.com", ua_lines),
        ("social", "de@example.com", de_lines),
    ):
        headers, cart = await cart_of(stack, email, name, lines)
        country, included, _ = CHANNELS[name]
        assert (cart["tax_country_code"], cart["prices_include_tax"]) == (country, included)
        check_taxed(cart, lines, name, cart_totals(cart))
        order = await place(stack, headers, cart, store, f"tax-{name}")
        check_taxed(order, lines, name, order_totals(order))
        assert order["totals"]["tax_country_code"] == country
        # Tax-exclusive prices: the customer pays the gross, so the total is above the list.
        assert order["totals"]["total"]["amount_minor"] == cart["subtotal"]["amount_minor"]
        orders[name], shoppers[name] = order, headers

    # The app (UA) lists net prices: its gross is the net plus 20 % or 7 %.
    ua = orders["app"]["lines"]
    assert amounts(ua[0]["tax"]) == (5997, 1199, 7196)
    assert amounts(ua[1]["tax"]) == (1999, 140, 2139)
    # The web (PL) lists gross prices: 23 % is taken out of 3 x 19.99.
    assert amounts(orders["web"]["lines"][0]["tax"]) == (4876, 1121, 5997)

    # A rate change on a date: PL standard goes to 25 % from now on; the order keeps 23 %.
    now = datetime.now(UTC).replace(microsecond=0)
    await change_over(stack, admin, "PL", "standard", 2500, now.isoformat())
    _, after_change = await cart_of(stack, "pl2@example.com", "web", {"STD": 1})
    assert after_change["lines"][0]["tax"]["rate_basis_points"] == 2500
    assert amounts(after_change["lines"][0]["tax"]) == expected(PRICE, 2500, True)
    pl_order = orders["web"]
    kept = await stack.http.get(f"/staff/v1/orders/{pl_order['id']}", headers=admin)
    assert kept.json()["lines"][0]["tax"]["rate_basis_points"] == 2300

    # The PL order is collected, then its three standard-rate units come back in two returns:
    # together they refund exactly what the line was charged, tax included.
    ready = await stack.http.post(
        f"/staff/v1/orders/{pl_order['id']}/ready-for-pickup", headers=admin
    )
    assert ready.status_code == 200, ready.text
    collected = await stack.http.post(
        f"/staff/v1/orders/{pl_order['id']}/collected",
        json={"pickup_code": await customers_pickup_code(stack, shoppers["web"], pl_order["id"])},
        headers=admin,
    )
    assert collected.status_code == 200, collected.text
    refunds = []
    for key, quantity in (("ret-1", 2), ("ret-2", 1)):
        returned = await stack.http.post(
            f"/staff/v1/orders/{pl_order['id']}/returns",
            json={
                "receiving_location_id": store,
                "lines": [{"line_id": "l1", "quantity": quantity}],
            },
            headers=admin | {"Idempotency-Key": key},
        )
        assert returned.status_code == 201, returned.text
        line = returned.json()["return"]["lines"][0]
        refunds.append(amounts(line["refund_tax"]))
        assert line["refund_amount"]["amount_minor"] == line["refund_tax"]["gross"]["amount_minor"]
        assert returned.json()["return"]["refund_tax_lines"][0]["rate_basis_points"] == 2300
    assert refunds[0] == (3998 - 747, 747, 3998)  # 2/3 of the line, rounded down
    assert tuple(map(sum, zip(*refunds, strict=True))) == (4876, 1121, 5997)
    after = (await stack.http.get(f"/staff/v1/orders/{pl_order['id']}", headers=admin)).json()
    assert after["totals"]["refunded"]["amount_minor"] == 5997
    assert after["totals"]["refunded_tax"]["amount_minor"] == 1121

    # The report: per channel and currency (never summed across them), net + tax = revenue.
    today = datetime.now(UTC).date()
    days = f"from={today - timedelta(days=1)}&to={today + timedelta(days=1)}"
    report = await stack.http.get(f"/staff/v1/reports/sales?{days}", headers=admin)
    assert report.status_code == 200, report.text
    rows = {(r["channel"], r["revenue"]["currency"]): r for r in report.json()["channel_totals"]}
    assert set(rows) == {("web", "PLN"), ("app", "UAH"), ("social", "EUR")}
    for name, order in orders.items():
        row = rows[(name, CHANNELS[name][2])]
        tax = order["totals"]["tax"]["amount_minor"]
        assert row["tax"]["amount_minor"] == tax
        assert row["net"]["amount_minor"] + tax == row["revenue"]["amount_minor"]
        assert row["revenue"]["amount_minor"] == order["totals"]["total"]["amount_minor"]
    assert rows[("web", "PLN")]["refunded_tax"]["amount_minor"] == 1121


async def test_bad_rates_and_channel_tax_are_refused_naming_the_field_and_change_nothing(stack):
    admin = await stack.admin()
    await set_up_tax(stack, admin)
    before = (await stack.http.get("/staff/v1/tax/rates?page_size=200", headers=admin)).json()
    good = {"country_code": "PL", "tax_class": "reduced", "valid_from": "2019-01-01T00:00:00Z"}
    cases = [
        ({**good, "rate_basis_points": -1}, "rate_basis_points"),
        ({**good, "rate_basis_points": 10_001}, "rate_basis_points"),
        ({**good, "rate_basis_points": 2**70}, "rate_basis_points"),
        ({**good, "country_code": "XX", "rate_basis_points": 800}, "country_code"),
        ({**good, "country_code": "pl", "rate_basis_points": 800}, "country_code"),
        ({**good, "tax_class": "luxury", "rate_basis_points": 800}, "tax_class"),
        # 2019 onwards overlaps the rate in force since 2020.
        ({**good, "rate_basis_points": 800}, "valid_from"),
        (
            {**good, "rate_basis_points": 800, "valid_until": "2018-01-01T00:00:00Z"},
            "valid_until",
        ),
    ]
    for body, field in cases:
        refused = await stack.http.post("/staff/v1/tax/rates", json=body, headers=admin)
        assert 400 <= refused.status_code < 500, (body, refused.text)
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert [e["field"] for e in refused.json()["errors"]] == [field], (body, refused.text)
    # A window that ends before the one in force starts is fine: history is kept.
    earlier = await stack.http.post(
        "/staff/v1/tax/rates",
        json={**good, "rate_basis_points": 700, "valid_until": "2020-01-01T00:00:00Z"},
        headers=admin,
    )
    assert earlier.status_code == 201, earlier.text
    after = (await stack.http.get("/staff/v1/tax/rates?page_size=200", headers=admin)).json()
    assert len(after["items"]) == len(before["items"]) + 1

    for body, field in (
        ({"country_code": "ZZ"}, "country_code"),
        ({"country_code": "Poland"}, "country_code"),
        ({"prices_include_tax": "yes"}, "prices_include_tax"),
    ):
        refused = await stack.http.patch("/staff/v1/tax/channels/web", json=body, headers=admin)
        assert 400 <= refused.status_code < 500, (body, refused.text)
        assert [e["field"] for e in refused.json()["errors"]] == [field], (body, refused.text)
    web = (await stack.http.get("/staff/v1/tax/channels/web", headers=admin)).json()
    assert (web["country_code"], web["prices_include_tax"]) == ("PL", True)
    customer, _ = await stack.customer("shopper@example.com")
    refused = await stack.http.post(
        "/staff/v1/tax/rates", json={**good, "rate_basis_points": 1}, headers=customer
    )
    assert refused.status_code in (401, 403)
