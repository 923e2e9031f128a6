"""The admin product page's variant-price table turned into a listing's `prices`: what the table
does not show is carried over, an empty field drops the variant's own price, and a refusal of
`prices[i]` lands at the field that wrote entry i."""

from __future__ import annotations

from omni_gateway.console.variant_prices import entry_field, form_prices, table
from omni_gateway.views.common import Money
from omni_gateway.views.product import ListingPrice, StaffListingView


def listing() -> StaffListingView:
    return StaffListingView(
        price=Money(amount_minor=1000, currency="EUR"),
        sale_price=None,
        sale_starts_at=None,
        sale_ends_at=None,
        effective_price=None,
        prices=[
            ListingPrice(price=Money(amount_minor=4500, currency="PLN")),
            ListingPrice(
                sku="A",
                price=Money(amount_minor=900, currency="EUR"),
                sale_price=Money(amount_minor=800, currency="EUR"),
            ),
            ListingPrice(sku="B", price=Money(amount_minor=4200, currency="PLN")),
        ],
        product_id="p1",
        channel=None,
        partner_id=None,
        published=True,
        published_at=None,
        created_at=None,
        updated_at=None,
        version=3,
    )


def test_the_table_shows_each_variant_in_each_currency_with_the_products_price_as_default():
    rows = table(listing(), ["A", "B"])
    assert [(r.sku, [c.currency for c in r.cells]) for r in rows] == [
        ("A", ["EUR", "PLN"]),
        ("B", ["EUR", "PLN"]),
    ]
    a_pln = rows[0].cells[1]
    assert a_pln.own is None and a_pln.product == Money(amount_minor=4500, currency="PLN")


def test_the_form_keeps_what_it_does_not_show_and_drops_an_emptied_price():
    form = {
        "vp-A-EUR": "9.50",
        "vp-B-PLN": "",
        "new_sku": "B",
        "new_price": "7",
        "new_currency": "usd",
    }
    prices, fields, errors = form_prices(None, listing(), ["A", "B"], form)
    assert errors == {}
    assert [(p["sku"], p["price"], p.get("sale_price")) for p in prices] == [
        (None, {"amount_minor": 4500, "currency": "PLN"}, None),
        ("A", {"amount_minor": 950, "currency": "EUR"}, {"amount_minor": 800, "currency": "EUR"}),
        ("B", {"amount_minor": 700, "currency": "USD"}, None),
    ]
    assert fields == ["", "vp-A-EUR", "new_price"]
    assert entry_field("listing.prices[1].price.amount_minor", fields) == "vp-A-EUR"
    assert entry_field("$.prices[2].price.currency", fields) == "new_currency"
    assert entry_field("listing.prices[2].price", fields) == "new_price"
    assert entry_field("listing.prices[0].price", fields) == ""
    assert entry_field("listing.price", fields) == ""
