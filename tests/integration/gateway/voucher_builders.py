"""What the voucher tests set up through the gateway: tax (web: PL, prices with tax, PLN and EUR;
app: UA, prices without tax, UAH), two products (a T-shirt in the apparel category and a mug),
their listings and stock in one store; and voucher, cart and checkout helpers."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from omni.common.v1 import common_pb2
from omni.inventory.v1 import inventory_pb2, inventory_pb2_grpc
from omni_kit.app import channel

SINCE = "2020-01-01T00:00:00Z"
# channel -> (country, standard rate, prices include tax, currencies sold)
CHANNELS = {"web": ("PL", 2300, True, ["PLN", "EUR"]), "app": ("UA", 2000, False, ["UAH"])}
PRICES = {"TEE": 1999, "MUG": 1000}


def expected_tax(amount: int, rate: int, included: bool) -> tuple[int, int, int]:
    """(net, tax, gross) of a line's amount by the documented rule, with decimals."""
    share = Decimal(rate) / Decimal(10_000)
    if included:
        tax = int((Decimal(amount) * share / (1 + share)).quantize(Decimal(1), ROUND_HALF_UP))
        return amount - tax, tax, amount
    tax = int((Decimal(amount) * share).quantize(Decimal(1), ROUND_HALF_UP))
    return amount, tax, amount + tax


def amounts(breakdown: dict) -> tuple[int, int, int]:
    return tuple(breakdown[k]["amount_minor"] for k in ("net", "tax", "gross"))  # type: ignore[return-value]


async def set_up_shop(stack, admin: dict[str, str], units: int = 50) -> dict[str, str]:
    """Tax, currencies, products, listings and `units` of each in a store; returns ids by name
    (the products', "apparel" and "store")."""
    ids: dict[str, str] = {}
    for name, (country, rate, included, currencies) in CHANNELS.items():
        made = await stack.http.post(
            "/staff/v1/tax/rates",
            json={
                "country_code": country,
                "tax_class": "standard",
                "rate_basis_points": rate,
                "valid_from": SINCE,
            },
            headers=admin,
        )
        assert made.status_code == 201, made.text
        taxed = await stack.http.patch(
            f"/staff/v1/tax/channels/{name}",
            json={"country_code": country, "prices_include_tax": included},
            headers=admin,
        )
        assert taxed.status_code == 200, taxed.text
        sold = await stack.http.put(
            f"/staff/v1/catalog/channels/{name}/currencies",
            json={"currencies": currencies},
            headers=admin,
        )
        assert sold.status_code == 200, sold.text
    category = await stack.http.post(
        "/staff/v1/catalog/categories", json={"name": "Apparel", "slug": "apparel"}, headers=admin
    )
    assert category.status_code == 201, category.text
    ids["apparel"] = category.json()["id"]
    for sku, price in PRICES.items():
        made = await stack.http.post(
            "/staff/v1/catalog/products",
            json={
                "slug": sku.lower(),
                "texts": {"en": {"name": sku}},
                "default_language": "en",
                "status": "active",
                "variants": [{"sku": sku}],
                "category_ids": [ids["apparel"]] if sku == "TEE" else [],
            },
            headers=admin,
        )
        assert made.status_code == 201, made.text
        ids[sku] = made.json()["id"]
        for name, (_, _, _, currencies) in CHANNELS.items():
            listed = await stack.http.put(
                f"/staff/v1/catalog/products/{ids[sku]}/listings/{name}",
                json={
                    "price": {"amount_minor": price, "currency": currencies[0]},
                    "published": True,
                },
                headers=admin,
            )
            assert listed.status_code in (200, 201), listed.text
    ids["store"] = await store_with_stock(
        stack, "WAW", "Warsaw", (52.23, 21.01), dict.fromkeys(PRICES, units)
    )
    return ids


async def store_with_stock(
    stack, code: str, name: str, geo: tuple[float, float], units: dict[str, int]
) -> str:
    """A click & collect store made over the inventory's gRPC, holding `units` (SKU -> count)."""
    inventory_ch = channel(f"127.0.0.1:{stack.apps['inventory'].port}")
    inventory = inventory_pb2_grpc.InventoryServiceStub(inventory_ch)
    store = await inventory.CreateStockLocation(
        inventory_pb2.CreateStockLocationRequest(
            location=inventory_pb2.StockLocation(
                code=code,
                name=name,
                kind=inventory_pb2.LOCATION_KIND_STORE,
                geo=common_pb2.GeoPoint(lat=geo[0], lng=geo[1]),
                capabilities=inventory_pb2.LocationCapabilities(
                    ships=True, click_and_collect=True, receives_returns=True
                ),
            )
        )
    )
    await inventory.ReceiveStock(
        inventory_pb2.ReceiveStockRequest(
            location_id=store.location.id,
            lines=[inventory_pb2.StockQuantity(sku=sku, quantity=n) for sku, n in units.items()],
        )
    )
    await inventory_ch.close()
    return str(store.location.id)


async def customers_pickup_code(stack, headers: dict[str, str], order_id: str) -> str:
    """The code the customer shows at the counter (staff views leave it out)."""
    mine = await stack.http.get(f"/api/v1/orders/{order_id}", headers=headers)
    return str(mine.json()["pickup"]["code"])


async def create_voucher(stack, admin: dict[str, str], **fields) -> dict:
    body = {"kind": "percentage", "target": "order"} | fields
    made = await stack.http.post("/staff/v1/promotions/vouchers", json=body, headers=admin)
    assert made.status_code == 201, made.text
    return dict(made.json())


async def cart_with(
    stack, headers: dict[str, str], lines: dict[str, int], currency: str = ""
) -> dict:
    query = f"?currency={currency}" if currency else ""
    cart = await stack.http.get(f"/api/v1/carts/current{query}", headers=headers)
    assert cart.status_code in (200, 201), cart.text
    body = dict(cart.json())
    for sku, quantity in lines.items():
        added = await stack.http.post(
            f"/api/v1/carts/{body['id']}/lines",
            json={"sku": sku, "quantity": quantity},
            headers=headers,
        )
        assert added.status_code == 201, added.text
        body = added.json()
    return body


async def apply_code(stack, headers: dict[str, str], cart: dict, code: str):
    return await stack.http.post(
        f"/api/v1/carts/{cart['id']}/vouchers", json={"code": code}, headers=headers
    )


async def check_out(stack, headers: dict[str, str], cart: dict, store: str, key: str):
    return await stack.http.post(
        "/api/v1/orders",
        json={
            "cart_id": cart["id"],
            "delivery": {"mode": "click_and_collect", "pickup_location_id": store},
            "payment_method": "pay_in_store",
        },
        headers=headers | {"Idempotency-Key": key},
    )
