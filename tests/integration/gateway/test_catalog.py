"""Catalog through the gateway: staff build products and listings (versions as ETags), shoppers
browse their channel's published listings, partners pull their marketplace feed."""

from __future__ import annotations

import asyncio
import csv
import io
import json

from google.protobuf.timestamp_pb2 import Timestamp

from omni.inventory.v1 import inventory_pb2, inventory_pb2_grpc
from omni_kit.app import channel

EUR = "EUR"


def money(amount: int) -> dict:
    return {"amount_minor": amount, "currency": EUR}


def new_product(slug: str, sku: str, name: str, **fields) -> dict:
    return {
        "slug": slug,
        "status": "active",
        "default_language": "en",
        "texts": {"en": {"name": name, "description": "Made to last."}},
        "variants": [{"sku": sku, "attributes": {"size": "42"}}],
        **fields,
    }


async def create(stack, headers: dict, body: dict) -> dict:
    reply = await stack.http.post("/staff/v1/catalog/products", json=body, headers=headers)
    assert reply.status_code == 201, reply.text
    return reply.json()


async def list_on(stack, headers, product_id, channel, price, partner="", **fields) -> dict:
    reply = await stack.http.put(
        f"/staff/v1/catalog/products/{product_id}/listings/{channel}",
        params={"partner_id": partner} if partner else {},
        json={"published": True, "price": money(price), **fields},
        headers=headers,
    )
    assert reply.status_code == 200, reply.text
    return reply.json()


async def stock(
    stack, on_hand: dict[str, int], inbound_sku: str, expected: str, code: str = "WH-1"
) -> str:
    """A warehouse holding `on_hand`, with units of `inbound_sku` expected at `expected`; that
    time as the gateway renders it."""
    expected_at = Timestamp()
    expected_at.FromJsonString(expected)
    async with channel(f"127.0.0.1:{stack.apps['inventory'].port}") as ch:
        inventory = inventory_pb2_grpc.InventoryServiceStub(ch)
        location = await inventory.CreateStockLocation(
            inventory_pb2.CreateStockLocationRequest(
                location=inventory_pb2.StockLocation(
                    code=code,
                    name="Warehouse",
                    kind=inventory_pb2.LOCATION_KIND_WAREHOUSE,
                    capabilities=inventory_pb2.LocationCapabilities(ships=True),
                )
            )
        )
        location_id = location.location.id
        await inventory.ReceiveStock(
            inventory_pb2.ReceiveStockRequest(
                location_id=location_id,
                lines=[inventory_pb2.StockQuantity(sku=s, quantity=n) for s, n in on_hand.items()],
            )
        )
        await inventory.RecordInbound(
            inventory_pb2.RecordInboundRequest(
                inbound=inventory_pb2.InboundStock(
                    sku=inbound_sku, location_id=location_id, quantity=5, expected_at=expected_at
                )
            )
        )
    return expected_at.ToJsonString()


def problem(reply, status: int) -> dict:
    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"].startswith("application/problem+json")
    return reply.json()


async def shoppers_see_only_their_channels_published_listings(stack):
    admin = await stack.admin()
    reply = await stack.http.post(
        "/staff/v1/catalog/categories", json={"name": "Shoes", "slug": "shoes"}, headers=admin
    )
    assert reply.status_code == 201, reply.text
    shoes = reply.json()["id"]
    sub = await stack.http.post(
        "/staff/v1/catalog/categories",
        json={"name": "Boots", "slug": "boots", "parent_id": shoes},
        headers=admin,
    )
    boots = sub.json()["id"]
    boot = await create(
        stack,
        admin,
        new_product(
            "rain-boot", "RB-42", "Rain Boot", category_ids=[boots], attributes={"colour": "yellow"}
        ),
    )
    sneaker = await create(
        stack, admin, new_product("sneaker", "SN-42", "Sneaker", category_ids=[shoes])
    )
    hidden = await create(stack, admin, new_product("hidden", "HD-42", "Hidden Boot"))
    await list_on(stack, admin, boot["id"], "web", 5000, sale_price=money(4000))
    await list_on(stack, admin, sneaker["id"], "web", 7000)
    await list_on(stack, admin, sneaker["id"], "app", 6500)
    await list_on(stack, admin, hidden["id"], "web", 100, published=False)

    expected = await stock(stack, {"RB-42": 20}, "SN-42", "2031-05-01T00:00:00Z")

    web = await stack.http.get(
        "/api/v1/catalog/products",
        params={"category": shoes, "sort": "price_asc", "page_size": 1},
    )
    assert web.status_code == 200, web.text
    first = web.json()
    assert [i["product"]["id"] for i in first["items"]] == [boot["id"]]
    assert first["items"][0]["listing"]["effective_price"] == money(4000)
    assert first["items"][0]["product"]["variants"][0]["sku"] == "RB-42"
    assert first["items"][0]["availability"] == {
        "RB-42": {"status": "in_stock", "expected_at": None}
    }
    assert first["items"][0]["product"]["status"] == "active"
    assert "version" not in first["items"][0]["product"]
    second = await stack.http.get(
        "/api/v1/catalog/products",
        params={
            "category": shoes,
            "sort": "price_asc",
            "page_size": 1,
            "page_token": first["next_page_token"],
        },
    )
    assert [i["product"]["id"] for i in second.json()["items"]] == [sneaker["id"]]
    assert second.json()["items"][0]["availability"] == {
        "SN-42": {"status": "out_of_stock", "expected_at": expected}
    }
    assert second.json()["next_page_token"] is None

    search = await stack.http.get("/api/v1/catalog/products", params={"q": "BOOT"})
    assert [i["product"]["slug"] for i in search.json()["items"]] == ["rain-boot"]
    filtered = await stack.http.get(
        "/api/v1/catalog/products",
        params={"attr": "colour:yellow", "min_price": 3000, "max_price": 4500, "currency": EUR},
    )
    assert [i["product"]["slug"] for i in filtered.json()["items"]] == ["rain-boot"]

    app = await stack.http.get("/api/v1/catalog/products", headers={"X-Omni-Channel": "app"})
    assert [i["listing"]["price"] for i in app.json()["items"]] == [money(6500)]
    detail = await stack.http.get(
        f"/api/v1/catalog/products/{boot['id']}", headers={"X-Omni-Channel": "app"}
    )
    assert problem(detail, 404)["code"] == "PRODUCT_NOT_LISTED"
    assert (await stack.http.get(f"/api/v1/catalog/products/{hidden['id']}")).status_code == 404
    shown = await stack.http.get(f"/api/v1/catalog/products/{boot['id']}")
    assert shown.json()["product"]["texts"]["en"]["name"] == "Rain Boot"

    # Everything a browse sends is a query parameter: a refused one is a 400 naming it.
    bad = await stack.http.get("/api/v1/catalog/products", params={"min_price": 5})
    assert problem(bad, 400)["errors"][0]["field"] == "currency"
    # A price no int64 holds is the caller's mistake, not a 500.
    too_big = {"min_price": 2**64, "currency": EUR}
    bad = await stack.http.get("/api/v1/catalog/products", params=too_big)
    assert problem(bad, 400)["errors"][0]["field"] == "min_price"
    for params, field in [
        ({"page_token": "nonsense"}, "page_token"),
        ({"q": "x" * 201}, "q"),
        ({"page_size": 500}, "page_size"),
        ({"page_size": 0}, "page_size"),
    ]:
        bad = await stack.http.get("/api/v1/catalog/products", params=params)
        assert problem(bad, 400)["errors"][0]["field"] == field
    faceted = await stack.http.get(
        "/api/v1/catalog/products", params={"q": "boot", "facets": "true", "page_size": 1}
    )
    facets = faceted.json()["facets"]
    assert (facets["counted"], facets["complete"]) == (1, True)
    assert {"value": shoes, "count": 1} in facets["categories"]
    bad = await stack.http.get("/api/v1/catalog/products", params={"category": "cat_nope"})
    assert problem(bad, 404)["code"] == "CATEGORY_NOT_FOUND"


async def staff_edit_with_etags_and_bad_input_is_refused_precisely(stack):
    admin = await stack.admin()
    keyed = admin | {"Idempotency-Key": "create-boot-1"}
    body = new_product("boot", "BT-1", "Boot")
    boot = await create(stack, keyed, body)
    assert (await create(stack, keyed, body))["id"] == boot["id"]
    url = f"/staff/v1/catalog/products/{boot['id']}"

    fetched = await stack.http.get(url, headers=admin)
    assert fetched.headers["ETag"] == '"1"'
    changed = await stack.http.patch(
        url, json={"brand": "Nordic"}, headers=admin | {"If-Match": '"1"'}
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["brand"], changed.headers["ETag"]) == ("Nordic", '"2"')
    assert changed.json()["texts"]["en"]["name"] == "Boot"

    stale = problem(
        await stack.http.patch(url, json={"brand": "Late"}, headers=admin | {"If-Match": '"1"'}),
        409,
    )
    assert (stale["code"], stale["metadata"]["current_version"]) == ("VERSION_MISMATCH", "2")
    by_body = await stack.http.patch(url, json={"brand": "Body", "version": 2}, headers=admin)
    assert by_body.headers["ETag"] == '"3"'

    # Bodies are closed: a field they do not name (or one only the service sets) is refused.
    for unknown in ({"colour": "x"}, {"created_at": "2020-01-01T00:00:00Z"}, {"id": "p"}):
        body = problem(
            await stack.http.patch(url, json=unknown, headers=admin | {"If-Match": '"3"'}), 422
        )
        assert f"`{next(iter(unknown))}`" in body["errors"][0]["message"], body
    cases = [
        (stack.http.patch(url, json={"brand": "x"}, headers=admin), 422, "If-Match"),
        (
            stack.http.patch(
                "/staff/v1/catalog/products/prod_nope",
                json={"brand": "x"},
                headers=admin | {"If-Match": '"1"'},
            ),
            404,
            "product_id",
        ),
        (
            stack.http.post(
                "/staff/v1/catalog/products",
                json=new_product("other", "BT-1", "Other"),
                headers=admin,
            ),
            409,
            "variants.sku",
        ),
        (
            stack.http.post(
                "/staff/v1/catalog/products",
                json=new_product("third", "TH-1", "Third", category_ids=["cat_nope"]),
                headers=admin,
            ),
            404,
            "category_ids[0]",
        ),
        (
            stack.http.put(
                f"{url}/listings/web",
                json={"published": True, "price": {"amount_minor": 100}},
                headers=admin,
            ),
            422,
            "price.currency",  # the missing field itself
        ),
        (
            stack.http.put(
                f"{url}/listings/web",
                json={"published": True, "price": {"amount_minor": 1, "currency_code": EUR}},
                headers=admin,
            ),
            422,
            "price",
        ),
        (
            stack.http.put(f"{url}/listings/fax", json={"price": money(1)}, headers=admin),
            422,
            "channel",
        ),
        (
            stack.http.put(
                f"{url}/listings/web", json={"published": True, "price": money(-1)}, headers=admin
            ),
            422,
            "price.amount_minor",
        ),
    ]
    for pending, status, field in cases:
        body = problem(await pending, status)
        assert body["errors"][0]["field"] == field, body
    duplicate = problem(
        await stack.http.post(
            "/staff/v1/catalog/products",
            json=new_product("other", "BT-1", "Other"),
            headers=admin,
        ),
        409,
    )
    assert duplicate["code"] == "SKU_TAKEN"
    assert "BT-1" in duplicate["detail"]

    listings = await stack.http.get(f"{url}/listings", headers=admin)
    assert listings.json()["items"] == []
    listing = await list_on(stack, admin, boot["id"], "web", 9000)
    repriced = await stack.http.patch(
        f"{url}/listings/web", json={"price": money(8000)}, headers=admin | {"If-Match": '"1"'}
    )
    assert repriced.json()["effective_price"] == money(8000)
    stale = await stack.http.patch(
        f"{url}/listings/web", json={"price": money(1)}, headers=admin | {"If-Match": '"1"'}
    )
    assert problem(stale, 409)["metadata"]["current_version"] == "2"
    assert listing["version"] == 1

    made = await stack.http.post(
        "/staff/v1/catalog/categories", json={"name": "Boots", "slug": "boots"}, headers=admin
    )
    category_url = f"/staff/v1/catalog/categories/{made.json()['id']}"
    assert (await stack.http.get(category_url, headers=admin)).headers["ETag"] == '"1"'
    renamed = await stack.http.patch(
        category_url, json={"name": "Winter boots"}, headers=admin | {"If-Match": '"1"'}
    )
    assert (renamed.json()["name"], renamed.json()["path"]) == ("Winter boots", "/boots")
    late = await stack.http.patch(
        category_url, json={"slug": "late"}, headers=admin | {"If-Match": '"1"'}
    )
    assert problem(late, 409)["errors"][0]["field"] == "If-Match"

    removed = await stack.http.delete(url, headers=admin | {"If-Match": '"3"'})
    assert removed.status_code == 204
    assert (await stack.http.get(url, headers=admin)).status_code == 404


async def associates_may_look_but_not_edit_the_catalog(stack):
    admin = await stack.admin()
    boot = await create(stack, admin, new_product("shoe", "SH-1", "Shoe"))
    created = await stack.http.post(
        "/staff/v1/users",
        json={
            "username": "ali",
            "password": "associate-password",
            "role": "associate",
            "store_ids": ["store-1"],
        },
        headers=admin,
    )
    assert created.status_code == 201, created.text
    ali = await stack.staff_login("ali", "associate-password")
    url = f"/staff/v1/catalog/products/{boot['id']}"
    assert (await stack.http.get(url, headers=ali)).status_code == 200
    problem(
        await stack.http.patch(url, json={"brand": "x"}, headers=ali | {"If-Match": '"1"'}), 403
    )
    problem(
        await stack.http.post(
            "/staff/v1/catalog/products", json=new_product("x", "X-1", "X"), headers=ali
        ),
        403,
    )
    problem(await stack.http.put(f"{url}/listings/web", json={"price": money(1)}, headers=ali), 403)
    after = await stack.http.get(url, headers=admin)
    assert after.headers["ETag"] == '"1"'


async def partners_pull_their_own_marketplace_listings(stack):
    admin = await stack.admin()
    market, market_key = await stack.partner("market", ["catalog:read"])
    other, _ = await stack.partner("other-market", ["catalog:read"])
    _, no_scope = await stack.partner("nosy-market", ["orders:read"])
    ids = []
    for index in range(3):
        item = await create(stack, admin, new_product(f"p-{index}", f"P-{index}", f"P {index}"))
        await list_on(stack, admin, item["id"], "marketplace", 1000 + index, partner=market)
        ids.append(item["id"])
    theirs = await create(stack, admin, new_product("theirs", "T-1", "Theirs"))
    await list_on(stack, admin, theirs["id"], "marketplace", 1, partner=other)
    await list_on(stack, admin, theirs["id"], "web", 1)

    rows, token = [], None
    while True:
        reply = await stack.http.get(
            "/partner/v1/catalog/feed",
            params={"page_size": 2, **({"page_token": token} if token else {})},
            headers=market_key,
        )
        assert reply.status_code == 200, reply.text
        assert reply.headers["content-type"].startswith("application/x-ndjson")
        rows += [json.loads(line) for line in reply.text.splitlines()]
        token = reply.headers.get("X-Next-Page-Token")
        if not token:
            break
    assert [(r["product_id"], r["sku"], r["price_minor"]) for r in rows] == [
        (pid, f"P-{i}", 1000 + i) for i, pid in enumerate(ids)
    ]

    as_csv = await stack.http.get(
        "/partner/v1/catalog/feed",
        params={"stream": "true", "page_size": 1},
        headers=market_key | {"Accept": "text/csv"},
    )
    assert as_csv.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert [row["sku"] for row in table] == ["P-0", "P-1", "P-2"]
    assert table[0]["currency"] == EUR

    later = await stack.http.get(
        "/partner/v1/catalog/feed",
        params={"updated_since": "2999-01-01T00:00:00Z", "format": "csv"},
        headers=market_key,
    )
    assert later.text.splitlines() == [",".join(next(csv.reader(io.StringIO(as_csv.text))))]

    refused = await stack.http.get("/partner/v1/catalog/feed", headers=no_scope)
    assert problem(refused, 403)["detail"].endswith("'catalog:read'")
    assert (await stack.http.get("/partner/v1/catalog/feed")).status_code == 401


# One stack per audience pair: starting the services and the gateway dominates the run time.
async def test_shoppers_browse_their_channel_and_partners_pull_their_feed(stack):
    await shoppers_see_only_their_channels_published_listings(stack)
    await partners_pull_their_own_marketplace_listings(stack)


async def test_admins_edit_with_etags_and_associates_are_refused(stack):
    await staff_edit_with_etags_and_bad_input_is_refused_precisely(stack)
    await associates_may_look_but_not_edit_the_catalog(stack)


async def test_browse_answers_are_shared_kept_fresh_by_events_and_outlive_a_catalog_outage(
    start_gateway, stack
):
    """Pages are shared for a minute, yet a new price or new stock shows within moments (catalog
    and stock events mark them stale); while the catalog is down, pages already seen are still
    shown, and pages never seen are a clean 503."""
    shop = start_gateway(
        **{f"{n}_addr": f"127.0.0.1:{a.port}" for n, a in stack.apps.items()},
        browse_cache_seconds="60",
        browse_cache_stale_seconds="600",
    )
    for _ in range(300):  # the gateway listens to events once it has reached NATS
        if (await stack.http.get(f"{shop}/readyz")).json()["events"] == "connected":
            break
        await asyncio.sleep(0.1)
    admin = await stack.admin()
    boot = await create(stack, admin, new_product("cached-boot", "CB-42", "Cached Boot"))
    unseen = await create(stack, admin, new_product("unseen-boot", "UB-42", "Unseen Boot"))
    await list_on(stack, admin, boot["id"], "web", 5000)
    await list_on(stack, admin, unseen["id"], "web", 5000)
    page = f"{shop}/api/v1/catalog/products/{boot['id']}"

    async def shown() -> tuple[int, str]:
        reply = await stack.http.get(page)
        assert reply.status_code == 200, reply.text
        body = reply.json()
        return body["listing"]["effective_price"]["amount_minor"], body["availability"]["CB-42"][
            "status"
        ]

    async def eventually_shown(expected: tuple[int, str]) -> None:
        for _ in range(100):
            if await shown() == expected:
                return
            await asyncio.sleep(0.1)
        assert await shown() == expected

    assert await shown() == (5000, "out_of_stock")
    repriced = await stack.http.put(
        f"/staff/v1/catalog/products/{boot['id']}/listings/web",
        json={"published": True, "price": money(4500)},
        headers=admin | {"If-Match": '"1"'},
    )
    assert repriced.status_code == 200, repriced.text
    await eventually_shown((4500, "out_of_stock"))
    await stock(stack, {"CB-42": 20}, "CB-42", "2031-05-01T00:00:00Z")
    await eventually_shown((4500, "in_stock"))

    await stack.apps["catalog"].stop(grace=0)
    # The stock event marks the page stale; its refresh fails without the catalog.
    await stock(stack, {"CB-42": 1}, "CB-42", "2031-06-01T00:00:00Z", code="WH-2")
    await asyncio.sleep(1)
    assert [await shown() for _ in range(3)] == [(4500, "in_stock")] * 3
    missing = await stack.http.get(f"{shop}/api/v1/catalog/products/{unseen['id']}")
    assert problem(missing, 503)["status"] == 503
