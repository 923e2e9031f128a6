"""Vouchers through the gateway: staff manage them (admin, If-Match), a shopper applies and
removes a code, the discount is split over the lines and taxed after it in both price modes, the
order keeps it, a return refunds what was paid for the units, the sales report sums it per
channel and currency; an order cancelled before payment gives its use back; every code that
cannot be used and every bad voucher is refused naming the field and the reason, changing
nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from voucher_builders import (
    amounts,
    apply_code,
    cart_with,
    check_out,
    create_voucher,
    customers_pickup_code,
    expected_tax,
    set_up_shop,
)

VOUCHERS = "/staff/v1/promotions/vouchers"


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


async def test_staff_manage_vouchers_with_if_match_and_only_admins_change_them(stack):
    admin = await stack.admin()
    await set_up_shop(stack, admin)
    made = await stack.http.post(
        VOUCHERS,
        json={
            "code": "spring10",
            "kind": "percentage",
            "percentage_basis_points": 1000,
            "target": "order",
            "channels": ["web"],
            "usage_limit": 5,
        },
        headers=admin,
    )
    assert made.status_code == 201, made.text
    assert made.headers["etag"] == '"1"'
    voucher = made.json()
    assert (voucher["code"], voucher["active"], voucher["redeemed"]) == ("SPRING10", True, 0)
    path = f"{VOUCHERS}/{voucher['id']}"
    assert (await stack.http.get(path, headers=admin)).json() == voucher
    listed = (await stack.http.get(VOUCHERS, headers=admin)).json()
    assert [item["code"] for item in listed["items"]] == ["SPRING10"]

    no_match = await stack.http.patch(path, json={"usage_limit": 9}, headers=admin)
    assert no_match.status_code == 422, no_match.text
    changed = await stack.http.patch(
        path, json={"usage_limit": 9}, headers=admin | {"If-Match": '"1"'}
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["usage_limit"], changed.headers["etag"]) == (9, '"2"')
    stale = await stack.http.patch(
        path, json={"usage_limit": 3}, headers=admin | {"If-Match": '"1"'}
    )
    assert stale.status_code == 409, stale.text
    taken = await stack.http.post(
        VOUCHERS,
        json={
            "code": "SPRING10",
            "percentage_basis_points": 500,
            "kind": "percentage",
            "target": "order",
        },
        headers=admin,
    )
    assert taken.status_code == 409, taken.text
    assert taken.json()["code"] == "VOUCHER_CODE_TAKEN"

    customer, _ = await stack.customer("not-staff@example.com")
    refused = await stack.http.post(
        VOUCHERS,
        json={
            "code": "MINE",
            "kind": "percentage",
            "percentage_basis_points": 9000,
            "target": "order",
        },
        headers=customer,
    )
    assert refused.status_code in (401, 403)
    off = await stack.http.post(f"{path}/deactivate", headers=admin | {"If-Match": '"2"'})
    assert off.status_code == 200, off.text
    assert off.json()["active"] is False
    headers = customer | {"X-Omni-Channel": "web"}
    cart = await cart_with(stack, headers, {"TEE": 1})
    inactive = await apply_code(stack, headers, cart, "spring10")
    assert inactive.status_code == 409, inactive.text
    assert inactive.json()["code"] == "VOUCHER_INACTIVE"


async def test_discount_split_taxed_in_both_modes_kept_by_the_order_refunded_and_reported(stack):
    admin = await stack.admin()
    ids = await set_up_shop(stack, admin)
    await create_voucher(stack, admin, code="TEN", percentage_basis_points=1000)
    await create_voucher(
        stack,
        admin,
        code="SHIRT5",
        kind="fixed",
        target="categories",
        target_ids=[ids["apparel"]],
        fixed_amounts=[{"amount_minor": 500, "currency": "PLN"}],
        combinable=True,
    )
    await create_voucher(
        stack,
        admin,
        code="UAH5",
        kind="fixed",
        target="variants",
        target_ids=["TEE"],
        fixed_amounts=[{"amount_minor": 500, "currency": "UAH"}],
        channels=["app"],
    )

    # Web (PL, prices with 23 % tax): 3 T-shirts (5997) and a mug (1000), 10 % off the order.
    customer, _ = await stack.customer("pl@example.com")
    web = customer | {"X-Omni-Channel": "web"}
    cart = await cart_with(stack, web, {"TEE": 3, "MUG": 1})
    applied = await apply_code(stack, web, cart, "ten")
    assert applied.status_code == 200, applied.text
    cart = applied.json()
    assert cart["voucher_codes"] == ["TEN"]
    # 700 off, split 5997:1000 -> 599.96 and 100.04: the unit left goes to the larger remainder.
    discounts = [line["discount"]["amount_minor"] for line in cart["lines"]]
    assert discounts == [600, 100]
    for line, paid in zip(cart["lines"], (5997 - 600, 1000 - 100), strict=True):
        assert amounts(line["tax"]) == expected_tax(paid, 2300, True)
        assert line["line_total"]["amount_minor"] == paid
    assert (cart["subtotal"]["amount_minor"], cart["discount_total"]["amount_minor"]) == (6997, 700)
    assert cart["total"]["amount_minor"] == 6297
    taxes = [expected_tax(p, 2300, True)[1] for p in (5397, 900)]
    assert cart["tax_total"]["amount_minor"] == sum(taxes)
    # Not combinable: the second code is refused and the cart stays as it was.
    second = await apply_code(stack, web, cart, "SHIRT5")
    assert second.status_code == 409, second.text
    assert (second.json()["code"], second.json()["metadata"]["voucher_code"]) == (
        "VOUCHER_NOT_COMBINABLE",
        "SHIRT5",
    )
    assert (await stack.http.get(f"/api/v1/carts/{cart['id']}", headers=web)).json() == cart

    placed = await check_out(stack, web, cart, ids["store"], "voucher-web")
    assert placed.status_code == 201, placed.text
    order = placed.json()
    assert order["voucher_codes"] == ["TEN"]
    assert [line["discount"]["amount_minor"] for line in order["lines"]] == [600, 100]
    totals = order["totals"]
    assert (totals["subtotal"]["amount_minor"], totals["discount"]["amount_minor"]) == (6997, 700)
    assert totals["total"]["amount_minor"] == 6297
    assert totals["tax"]["amount_minor"] == sum(taxes)

    # One T-shirt of three comes back: it refunds a third of what the line was paid, tax too.
    ready = await stack.http.post(f"/staff/v1/orders/{order['id']}/ready-for-pickup", headers=admin)
    assert ready.status_code == 200, ready.text
    collected = await stack.http.post(
        f"/staff/v1/orders/{order['id']}/collected",
        json={"pickup_code": await customers_pickup_code(stack, web, order["id"])},
        headers=admin,
    )
    assert collected.status_code == 200, collected.text
    returned = await stack.http.post(
        f"/staff/v1/orders/{order['id']}/returns",
        json={"receiving_location_id": ids["store"], "lines": [{"line_id": "l1", "quantity": 1}]},
        headers=admin | {"Idempotency-Key": "voucher-return"},
    )
    assert returned.status_code == 201, returned.text
    line = returned.json()["return"]["lines"][0]
    paid_tax = expected_tax(5397, 2300, True)[1]
    assert line["refund_amount"]["amount_minor"] == 5397 // 3
    assert line["refund_tax"]["tax"]["amount_minor"] == paid_tax // 3

    # App (UA, prices without 20 % tax): 500 UAH off the T-shirt's net, taxed after it.
    customer, _ = await stack.customer("ua@example.com")
    app = customer | {"X-Omni-Channel": "app"}
    cart = await cart_with(stack, app, {"TEE": 1, "MUG": 1})
    elsewhere = await apply_code(stack, web, await cart_with(stack, web, {"TEE": 1}), "UAH5")
    assert elsewhere.status_code == 409, elsewhere.text
    assert elsewhere.json()["code"] in ("VOUCHER_NOT_ON_CHANNEL", "VOUCHER_NOT_IN_CURRENCY")
    applied = await apply_code(stack, app, cart, "UAH5")
    assert applied.status_code == 200, applied.text
    cart = applied.json()
    tee, mug = cart["lines"]
    assert (tee["discount"]["amount_minor"], mug["discount"]["amount_minor"]) == (500, 0)
    assert amounts(tee["tax"]) == expected_tax(1499, 2000, False) == (1499, 300, 1799)
    # The gross the voucher took off: 500 of net and the 100 of tax on it.
    assert cart["discount_total"]["amount_minor"] == 600
    assert cart["subtotal"]["amount_minor"] == 2399 + 1200
    assert cart["total"]["amount_minor"] == 1799 + 1200
    removed = await stack.http.delete(f"/api/v1/carts/{cart['id']}/vouchers/UAH5", headers=app)
    assert removed.status_code == 200, removed.text
    assert removed.json()["discount_total"]["amount_minor"] == 0
    assert removed.json()["voucher_codes"] == []
    applied = await apply_code(stack, app, removed.json(), "UAH5")
    placed = await check_out(stack, app, applied.json(), ids["store"], "voucher-app")
    assert placed.status_code == 201, placed.text
    assert placed.json()["totals"]["discount"]["amount_minor"] == 600

    today = datetime.now(UTC).date()
    days = f"from={today - timedelta(days=1)}&to={today + timedelta(days=1)}"
    report = await stack.http.get(f"/staff/v1/reports/sales?{days}", headers=admin)
    assert report.status_code == 200, report.text
    rows = {(r["channel"], r["revenue"]["currency"]): r for r in report.json()["channel_totals"]}
    assert rows[("web", "PLN")]["discount"]["amount_minor"] == 700
    assert rows[("app", "UAH")]["discount"]["amount_minor"] == 600
    assert rows[("web", "PLN")]["revenue"]["amount_minor"] == 6297

    # The BI exports carry the same discount and tax: per line as the order was placed, per day
    # as the report sums them.
    span = f"from={today - timedelta(days=1)}&to={today + timedelta(days=1)}&format=jsonl"
    exported = await stack.http.get(f"/staff/v1/exports/orders?{span}", headers=admin)
    assert exported.status_code == 200, exported.text
    lines = [json.loads(row) for row in exported.text.splitlines()]
    web_lines = [row for row in lines if row["order_id"] == order["id"]]
    assert [
        (
            row["line_discount_minor"],
            row["line_net_minor"],
            row["line_tax_minor"],
            row["line_gross_minor"],
            row["tax_rate_basis_points"],
        )
        for row in web_lines
    ] == [(600, *expected_tax(5397, 2300, True), 2300), (100, *expected_tax(900, 2300, True), 2300)]
    sales = await stack.http.get(f"/staff/v1/exports/sales?{span}", headers=admin)
    assert sales.status_code == 200, sales.text
    (web_day,) = [json.loads(r) for r in sales.text.splitlines() if '"channel":"web"' in r]
    web_total = rows[("web", "PLN")]
    assert (
        web_day["discount_minor"],
        web_day["net_minor"],
        web_day["tax_minor"],
        web_day["refunded_tax_minor"],
    ) == (
        700,
        web_total["net"]["amount_minor"],
        web_total["tax"]["amount_minor"],
        web_total["refunded_tax"]["amount_minor"],
    )
    assert web_day["tax_minor"] == sum(taxes) and web_day["refunded_tax_minor"] == paid_tax // 3


async def test_codes_that_cannot_be_used_are_refused_naming_the_voucher_and_change_nothing(stack):
    admin = await stack.admin()
    ids = await set_up_shop(stack, admin)
    now = datetime.now(UTC)
    await create_voucher(
        stack,
        admin,
        code="OLD",
        percentage_basis_points=500,
        starts_at=iso(now - timedelta(days=9)),
        ends_at=iso(now - timedelta(days=1)),
    )
    await create_voucher(
        stack,
        admin,
        code="SOON",
        percentage_basis_points=500,
        starts_at=iso(now + timedelta(days=1)),
    )
    await create_voucher(
        stack, admin, code="APPONLY", percentage_basis_points=500, channels=["app"]
    )
    await create_voucher(
        stack,
        admin,
        code="BIG",
        percentage_basis_points=500,
        minimum_spend=[{"amount_minor": 100_000, "currency": "PLN"}],
    )
    await create_voucher(stack, admin, code="ONCE", percentage_basis_points=500, usage_limit=1)
    await create_voucher(
        stack, admin, code="MINEONCE", percentage_basis_points=500, usage_limit_per_customer=1
    )
    await create_voucher(
        stack,
        admin,
        code="EURO",
        kind="fixed",
        fixed_amounts=[{"amount_minor": 100, "currency": "EUR"}],
    )
    await create_voucher(
        stack,
        admin,
        code="MUGS",
        percentage_basis_points=500,
        target="products",
        target_ids=[ids["MUG"]],
    )

    first, _ = await stack.customer("first@example.com")
    first = first | {"X-Omni-Channel": "web"}
    for code in ("ONCE", "MINEONCE"):
        cart = await cart_with(stack, first, {"TEE": 1})
        assert (await apply_code(stack, first, cart, code)).status_code == 200
        placed = await check_out(stack, first, cart, ids["store"], f"first-{code}")
        assert placed.status_code == 201, placed.text
        assert placed.json()["voucher_codes"] == [code]

    cart = await cart_with(stack, first, {"TEE": 1})
    before = (await stack.http.get(f"/api/v1/carts/{cart['id']}", headers=first)).json()
    for code, reason in (
        ("NOPE", "VOUCHER_NOT_FOUND"),
        ("OLD", "VOUCHER_EXPIRED"),
        ("SOON", "VOUCHER_NOT_STARTED"),
        ("APPONLY", "VOUCHER_NOT_ON_CHANNEL"),
        ("BIG", "VOUCHER_MINIMUM_SPEND"),
        ("ONCE", "VOUCHER_USED_UP"),
        ("MINEONCE", "VOUCHER_CUSTOMER_LIMIT"),
        ("EURO", "VOUCHER_NOT_IN_CURRENCY"),
        ("MUGS", "VOUCHER_NOT_APPLICABLE"),
    ):
        refused = await apply_code(stack, first, cart, code)
        assert refused.status_code == 409, (code, refused.text)
        assert refused.headers["content-type"].startswith("application/problem+json")
        problem = refused.json()
        assert (problem["code"], problem["metadata"]["voucher_code"]) == (reason, code)
        assert [e["field"] for e in problem["errors"]] == ["code"]
        assert code in problem["detail"]
    after = (await stack.http.get(f"/api/v1/carts/{cart['id']}", headers=first)).json()
    assert after == before

    # ONCE's only use comes back when its order is cancelled before payment.
    orders = (await stack.http.get("/api/v1/orders", headers=first)).json()["orders"]
    once = next(o for o in orders if o["voucher_codes"] == ["ONCE"])
    cancelled = await stack.http.post(f"/api/v1/orders/{once['id']}/cancel", json={}, headers=first)
    assert cancelled.status_code == 200, cancelled.text
    listed = (await stack.http.get(f"{VOUCHERS}?page_size=200", headers=admin)).json()
    assert next(v for v in listed["items"] if v["code"] == "ONCE")["redeemed"] == 0
    second, _ = await stack.customer("second@example.com")
    second = second | {"X-Omni-Channel": "web"}
    cart = await cart_with(stack, second, {"MUG": 1})
    assert (await apply_code(stack, second, cart, "ONCE")).status_code == 200
    placed = await check_out(stack, second, cart, ids["store"], "second-once")
    assert placed.status_code == 201, placed.text
    assert placed.json()["totals"]["discount"]["amount_minor"] == 50


async def test_bad_vouchers_are_refused_naming_the_field_and_nothing_is_written(stack):
    admin = await stack.admin()
    await set_up_shop(stack, admin)
    good = {
        "code": "GOOD",
        "kind": "fixed",
        "target": "order",
        "channels": ["web"],
        "fixed_amounts": [{"amount_minor": 500, "currency": "PLN"}],
    }
    cases = [
        ({**good, "fixed_amounts": [{"amount_minor": -1, "currency": "PLN"}]}, "fixed_amounts"),
        ({**good, "fixed_amounts": [{"amount_minor": 2**70, "currency": "PLN"}]}, "fixed_amounts"),
        (
            {**good, "fixed_amounts": [{"amount_minor": 10**15, "currency": "PLN"}]},
            "fixed_amounts[0].amount_minor",
        ),
        (
            {**good, "fixed_amounts": [{"amount_minor": 500, "currency": "USD"}]},
            "fixed_amounts[0].currency",
        ),
        ({**good, "fixed_amounts": []}, "fixed_amounts"),
        (
            {**good, "kind": "percentage", "fixed_amounts": [], "percentage_basis_points": 10_001},
            "percentage_basis_points",
        ),
        (
            {**good, "kind": "percentage", "fixed_amounts": [], "percentage_basis_points": -5},
            "percentage_basis_points",
        ),
        ({**good, "kind": "percentage", "fixed_amounts": []}, "percentage_basis_points"),
        (
            {**good, "starts_at": "2030-01-02T00:00:00Z", "ends_at": "2030-01-01T00:00:00Z"},
            "ends_at",
        ),
        (
            {**good, "minimum_spend": [{"amount_minor": 100, "currency": "UAH"}]},
            "minimum_spend[0].currency",
        ),
        ({**good, "usage_limit": -1}, "usage_limit"),
        ({**good, "target": "products"}, "target_ids"),
        ({**good, "code": "no spaces"}, "code"),
    ]
    for body, field in cases:
        refused = await stack.http.post(VOUCHERS, json=body, headers=admin)
        assert 400 <= refused.status_code < 500, (body, refused.text)
        assert refused.headers["content-type"].startswith("application/problem+json")
        fields = [e["field"] for e in refused.json()["errors"]]
        assert len(fields) == 1 and fields[0].startswith(field), (body, refused.text)
    listed = (await stack.http.get(VOUCHERS, headers=admin)).json()
    assert listed["items"] == []
    made = await stack.http.post(VOUCHERS, json=good, headers=admin)
    assert made.status_code == 201, made.text
    bad_change = await stack.http.patch(
        f"{VOUCHERS}/{made.json()['id']}",
        json={"ends_at": "2000-01-01T00:00:00Z", "starts_at": "2001-01-01T00:00:00Z"},
        headers=admin | {"If-Match": '"1"'},
    )
    assert bad_change.status_code == 422, bad_change.text
    assert [e["field"] for e in bad_change.json()["errors"]] == ["ends_at"]
    kept = (await stack.http.get(f"{VOUCHERS}/{made.json()['id']}", headers=admin)).json()
    assert kept == made.json()
