"""Cart rules: listing prices, price changes shown not applied, totals, merging."""

from __future__ import annotations

import grpc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from order_fakes import NOW

from omni.order.v1 import order_pb2
from omni_kit.errors import DomainError
from omni_order.domain import carts, checkout
from omni_order.domain.carts import Cart, CartLine, CartStatus
from omni_order.domain.common import Price


def price(sku: str = "TEE-M", amount: int = 1500, **changes) -> Price:
    values = dict(
        sku=sku,
        product_id="prod_1",
        product_name="Tee",
        amount_minor=amount,
        currency_code="EUR",
        listing_version=1,
        published=True,
    )
    return Price(**(values | changes))


def cart_with(*lines: tuple[str, int, int]) -> Cart:
    cart = Cart(id="cart_1", version=1, status=CartStatus.ACTIVE, currency_code="EUR")
    for sku, quantity, amount in lines:
        line = CartLine(line_id=f"cl_{sku}", sku=sku)
        carts.set_line(
            cart,
            line,
            quantity=quantity,
            reservation_id="hold",
            hold_expires_at=None,
            price=price(sku, amount),
            now=NOW,
        )
    return cart


def refused(call) -> tuple[grpc.StatusCode, str | None, str]:
    with pytest.raises(DomainError) as error:
        call()
    return error.value.code, error.value.field, error.value.reason


def test_unknown_unpublished_and_foreign_currency_skus_are_refused_precisely():
    prices = {"DRAFT": price("DRAFT", published=False), "USD": price("USD", currency_code="USD")}
    sell = carts.sellable_price
    assert refused(lambda: sell(prices, "NOPE", "web", "EUR")) == (
        grpc.StatusCode.NOT_FOUND,
        "sku",
        "PRODUCT_NOT_LISTED",
    )
    assert refused(lambda: sell(prices, "DRAFT", "web", "EUR"))[2] == "PRODUCT_NOT_PUBLISHED"
    assert refused(lambda: sell(prices, "USD", "web", "EUR"))[2] == "CURRENCY_MISMATCH"


def test_a_changed_listing_price_is_shown_and_only_applied_on_reprice():
    cart = cart_with(("TEE-M", 2, 1500))
    gone = carts.show_current_prices(cart, {"TEE-M": price(amount=1700)})
    assert gone == []
    line = cart.lines[0]
    assert (line.unit_price.amount_minor, line.current_unit_price.amount_minor) == (1500, 1700)
    assert line.price_changed and cart.has_price_changes
    assert cart.subtotal.amount_minor == 3000
    carts.accept_current_prices(cart, {"TEE-M": price(amount=1700, listing_version=2)}, NOW)
    assert cart.lines[0].unit_price.amount_minor == 1700
    assert cart.lines[0].listing_version == 2
    assert not cart.has_price_changes
    assert cart.subtotal.amount_minor == 3400


def test_a_line_no_longer_listed_is_reported():
    cart = cart_with(("TEE-M", 1, 1500), ("CAP", 1, 900))
    assert carts.show_current_prices(cart, {"TEE-M": price()}) == ["CAP"]


def test_only_an_active_cart_at_the_expected_version_changes():
    cart = cart_with(("TEE-M", 1, 1500))
    assert refused(lambda: carts.require_active(cart, expected_version=7))[1] == "expected_version"
    cart.status = CartStatus.CHECKED_OUT
    assert refused(lambda: carts.require_active(cart))[2] == "CART_NOT_ACTIVE"


def test_merging_pairs_lines_by_sku_and_refuses_another_currency():
    target = cart_with(("TEE-M", 1, 1500))
    source = cart_with(("TEE-M", 2, 1500), ("CAP", 1, 900))
    pairs = carts.merge_plan(target, source)
    assert [(moved.sku, same.sku if same else None) for moved, same in pairs] == [
        ("TEE-M", "TEE-M"),
        ("CAP", None),
    ]
    source.currency_code = "USD"
    assert refused(lambda: carts.merge_plan(target, source))[2] == "CURRENCY_MISMATCH"


def test_exactly_one_owner():
    assert carts.cart_owner("cus_1", "") == ("customer_id", "cus_1")
    assert carts.cart_owner("", "anon_1") == ("anonymous_id", "anon_1")
    assert refused(lambda: carts.cart_owner("cus_1", "anon_1"))[1] == "customer_id"


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 50), st.integers(0, 100_000)), min_size=1, max_size=6))
def test_totals_are_the_sum_of_lines(lines):
    cart = cart_with(*[(f"SKU-{i}", q, a) for i, (q, a) in enumerate(lines)])
    assert cart.subtotal.amount_minor == sum(q * a for q, a in lines)
    assert cart.item_count == sum(q for q, _ in lines)
    removed = carts.remove_line(cart, "cl_SKU-0")
    assert (
        cart.subtotal.amount_minor == sum(q * a for q, a in lines) - removed.line_total.amount_minor
    )


def imported(sku: str, quantity: int = 1, currency: str = "EUR") -> order_pb2.ImportLine:
    return order_pb2.ImportLine(
        sku=sku,
        quantity=quantity,
        unit_price={"amount_minor": 1200, "currency_code": currency},
        partner_line_id=f"p-{sku}",
    )


def test_an_import_keeps_the_partners_prices_and_refuses_what_is_not_listed():
    prices = {"TEE-M": price(), "HIDDEN": price("HIDDEN", published=False)}
    lines, currency = checkout.lines_from_import([imported("TEE-M", 2)], prices, "market")
    assert currency == "EUR"
    [line] = lines
    assert (line.line_id, line.sku, line.quantity, line.unit_price.amount_minor) == (
        "l1",
        "TEE-M",
        2,
        1200,
    )
    assert (line.product_id, line.partner_line_id, line.listing_version) == ("prod_1", "p-TEE-M", 1)
    for items, field in [
        ([imported("TEE-M"), imported("HIDDEN")], "lines[1].sku"),
        ([imported("TEE-M"), imported("NOPE")], "lines[1].sku"),
        ([imported("TEE-M"), imported("TEE-M", currency="USD")], "lines[1].unit_price"),
        ([imported("TEE-M", quantity=0)], "lines[0].quantity"),
    ]:
        with pytest.raises(DomainError) as refused:
            checkout.lines_from_import(items, prices, "market")
        assert refused.value.field == field
