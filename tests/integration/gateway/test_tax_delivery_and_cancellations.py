"""Tax on delivery and on cancellations, through the gateway: a home delivery is taxed at the
standard rate of the order's tax country in both price modes (PL with prices including tax, UA
without), in the order's tax lines and totals and in the sales report; and a paid order whose
units are cancelled refunds their tax, on the order and in the report, as a return does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from test_tax import (
    CHANNELS,
    PRICE,
    RATES,
    amounts,
    cart_of,
    expected,
    set_up_catalog,
    set_up_tax,
)

ADDRESSES = {
    "web": {"lines": ["ul. Floriańska 1"], "city": "Kraków", "country_code": "PL"},
    "app": {"lines": ["вул. Хрещатик 1"], "city": "Київ", "country_code": "UA"},
}


async def place_home(stack, headers: dict[str, str], cart: dict, name: str, key: str) -> dict:
    placed = await stack.http.post(
        "/api/v1/orders",
        json={
            "cart_id": cart["id"],
            "delivery": {"mode": "home_delivery", "address": ADDRESSES[name]},
            "payment_method": "online_card",
            "payment_token": "tok_visa",
        },
        headers=headers | {"Idempotency-Key": key},
    )
    assert placed.status_code == 201, placed.text
    assert placed.json()["status"] == "confirmed", placed.text
    return placed.json()


async def sales_rows(stack, admin: dict[str, str]) -> dict[tuple[str, str], dict]:
    today = datetime.now(UTC).date()
    days = f"from={today - timedelta(days=1)}&to={today + timedelta(days=1)}"
    report = await stack.http.get(f"/staff/v1/reports/sales?{days}", headers=admin)
    assert report.status_code == 200, report.text
    return {(r["channel"], r["revenue"]["currency"]): r for r in report.json()["channel_totals"]}


async def test_home_delivery_is_taxed_at_the_standard_rate_in_both_price_modes(stack):
    admin = await stack.admin()
    await set_up_tax(stack, admin)
    await set_up_catalog(stack, admin)
    lines = {"STD": 2, "RED": 1}
    orders = {}
    for name, email in (("web", "pl-home@example.com"), ("app", "ua-home@example.com")):
        country, included, currency = CHANNELS[name]
        headers, cart = await cart_of(stack, email, name, lines)
        order = await place_home(stack, headers, cart, name, f"home-{name}")
        delivery = order["delivery"]
        price = delivery["price"]["amount_minor"]
        assert price > 0 and delivery["price"]["currency"] == currency
        standard = RATES[country]["standard"]
        # The listed delivery price is the gross where prices include tax, the net where not.
        want = expected(price, standard, included)
        assert delivery["tax"]["tax_class"] == "standard"
        assert delivery["tax"]["rate_basis_points"] == standard
        assert amounts(delivery["tax"]) == want, name

        totals = order["totals"]
        assert totals["delivery"]["amount_minor"] == want[2]
        goods = {
            line["sku"]: expected(
                PRICE * lines[line["sku"]], line["tax"]["rate_basis_points"], included
            )
            for line in order["lines"]
        }
        # The standard rate's row holds the standard-rate goods and the delivery.
        rows = {(t["tax_class"], t["rate_basis_points"]): amounts(t) for t in totals["tax_lines"]}
        both = [goods["STD"], want]
        assert rows[("standard", standard)] == tuple(map(sum, zip(*both, strict=True)))
        assert rows[("reduced", RATES[country]["reduced"])] == goods["RED"]
        net = sum(v[0] for v in goods.values()) + want[0]
        tax = sum(v[1] for v in goods.values()) + want[1]
        assert (totals["net"]["amount_minor"], totals["tax"]["amount_minor"]) == (net, tax)
        assert totals["total"]["amount_minor"] == net + tax
        assert totals["total"]["amount_minor"] == (
            totals["subtotal"]["amount_minor"] - totals["discount"]["amount_minor"] + want[2]
        )
        orders[name] = order
    # UA lists net prices: 20 % goes on top of the delivery too.
    ua_price = orders["app"]["delivery"]["price"]["amount_minor"]
    assert amounts(orders["app"]["delivery"]["tax"])[1] == ua_price // 5

    # The sales report counts the delivery's tax: net + tax = revenue, tax = the order's.
    rows = await sales_rows(stack, admin)
    for name, order in orders.items():
        row = rows[(name, CHANNELS[name][2])]
        assert row["tax"]["amount_minor"] == order["totals"]["tax"]["amount_minor"]
        assert row["revenue"]["amount_minor"] == order["totals"]["total"]["amount_minor"]
        assert row["net"]["amount_minor"] == order["totals"]["net"]["amount_minor"]

    # Staff see the same delivery tax.
    seen = await stack.http.get(f"/staff/v1/orders/{orders['web']['id']}", headers=admin)
    assert seen.json()["delivery"]["tax"] == orders["web"]["delivery"]["tax"]


async def test_cancelled_units_of_a_paid_order_refund_their_tax(stack):
    admin = await stack.admin()
    await set_up_tax(stack, admin)
    store = await set_up_catalog(stack, admin)
    headers, cart = await cart_of(stack, "pl-cancel@example.com", "web", {"STD": 3, "RED": 1})
    order = await place_home(stack, headers, cart, "web", "cancel-web")
    std, red = order["lines"]
    # The first shipment captures the card for the order's total.
    shipped = await stack.http.post(
        f"/staff/v1/orders/{order['id']}/shipments",
        json={"source_location_id": store, "lines": [{"line_id": red["line_id"], "quantity": 1}]},
        headers=admin | {"Idempotency-Key": "ship-red"},
    )
    assert shipped.status_code == 201, shipped.text
    paid = shipped.json()["order"]["payments"][0]
    assert paid["status"] == "captured", paid

    cancelled = await stack.http.post(
        f"/staff/v1/orders/{order['id']}/cancel",
        json={"lines": [{"line_id": std["line_id"], "quantity": 2}]},
        headers=admin,
    )
    assert cancelled.status_code == 200, cancelled.text
    [refund] = cancelled.json()["payments"][0]["refunds"]
    assert refund["status"] == "succeeded", refund
    # Two of the three 23 % units: their share of the line, rounded down (docs/api.md, "Tax").
    line_net, line_tax, line_gross = amounts(std["tax"])
    assert (line_net, line_tax, line_gross) == expected(3 * PRICE, 2300, True)
    assert refund["amount"]["amount_minor"] == line_gross * 2 // 3
    totals = cancelled.json()["totals"]
    assert totals["refunded"]["amount_minor"] == line_gross * 2 // 3
    assert totals["refunded_tax"]["amount_minor"] == line_tax * 2 // 3
    mine = (await stack.http.get(f"/api/v1/orders/{order['id']}", headers=headers)).json()
    assert mine["totals"]["refunded_tax"]["amount_minor"] == line_tax * 2 // 3

    row = (await sales_rows(stack, admin))[("web", "PLN")]
    assert row["refunded"]["amount_minor"] == line_gross * 2 // 3
    assert row["refunded_tax"]["amount_minor"] == line_tax * 2 // 3
