"""Each audience's authentication, and authorization on every object (OWASP API1, API2, API5)."""

from __future__ import annotations

import time

import jwt

from omni.common.v1 import common_pb2
from omni.inventory.v1 import inventory_pb2, inventory_pb2_grpc
from omni_kit.app import channel


async def test_customer_session_reads_own_profile_and_cart_never_another(stack):
    anna, anna_session = await stack.customer("anna@example.com")
    bob, _ = await stack.customer("bob@example.com")

    me = await stack.http.get("/api/v1/me", headers=anna)
    assert me.status_code == 200
    assert me.json()["identities"][0]["value"] == "anna@example.com"
    assert me.json()["id"] == anna_session["subject"]

    cart = (await stack.http.get("/api/v1/carts/current", headers=anna)).json()
    assert (await stack.http.get(f"/api/v1/carts/{cart['id']}", headers=anna)).status_code == 200
    refused = await stack.http.get(f"/api/v1/carts/{cart['id']}", headers=bob)
    assert refused.status_code == 404
    assert refused.headers["content-type"].startswith("application/problem+json")


async def test_the_same_cart_follows_the_customer_across_channels(stack):
    anna, _ = await stack.customer("anna@example.com")
    web = (
        await stack.http.get("/api/v1/carts/current", headers=anna | {"X-Omni-Channel": "web"})
    ).json()
    app = (
        await stack.http.get("/api/v1/carts/current", headers=anna | {"X-Omni-Channel": "app"})
    ).json()
    assert web["id"] == app["id"]
    bad = await stack.http.get("/api/v1/carts/current", headers=anna | {"X-Omni-Channel": "fax"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "X-Omni-Channel"


async def test_anonymous_visitor_gets_a_cart_but_no_profile(stack):
    session = (await stack.http.post("/api/v1/auth/anonymous")).json()
    visitor = {"Authorization": f"Bearer {session['access_token']}"}
    assert session["refresh_token"] is None
    assert (await stack.http.get("/api/v1/carts/current", headers=visitor)).status_code == 200
    assert (await stack.http.get("/api/v1/me", headers=visitor)).status_code == 403


async def test_bad_expired_forged_and_wrong_audience_tokens_are_refused(stack):
    anna, session = await stack.customer("anna@example.com")
    now = int(time.time())
    claims = {
        "iss": "omni-gateway",
        "aud": "omni-api",
        "sub": session["subject"],
        "kind": "customer",
    }
    expired = jwt.encode(
        claims | {"iat": now - 3600, "exp": now - 60}, stack.jwt_secret, algorithm="HS256"
    )
    forged = jwt.encode(
        claims | {"iat": now, "exp": now + 600}, "another-secret" * 4, algorithm="HS256"
    )
    none_alg = jwt.encode(claims | {"iat": now, "exp": now + 600}, None, algorithm="none")
    staff_token = (await stack.admin())["Authorization"]

    cases = {
        "Bearer " + expired: "expired",
        "Bearer " + forged: "invalid",
        "Bearer " + none_alg: "invalid",
        staff_token: "not valid for this API",
        "Basic abc": "Bearer token is required",
        "": "Bearer token is required",
    }
    for header, words in cases.items():
        reply = await stack.http.get("/api/v1/me", headers={"Authorization": header})
        assert reply.status_code == 401, header
        assert words in reply.json()["detail"], reply.json()
        assert reply.headers["www-authenticate"]
    assert (await stack.http.get("/staff/v1/stores/x", headers=anna)).status_code == 401


async def test_refresh_tokens_rotate_and_a_reused_one_revokes_the_family(stack):
    _, session = await stack.customer("anna@example.com")
    first = session["refresh_token"]
    rotated = await stack.http.post("/api/v1/auth/refresh", json={"refresh_token": first})
    assert rotated.status_code == 200
    second = rotated.json()["refresh_token"]
    assert second != first

    reused = await stack.http.post("/api/v1/auth/refresh", json={"refresh_token": first})
    assert reused.status_code == 401
    # The reuse looked like theft: the newer token of the same family is dead too.
    after = await stack.http.post("/api/v1/auth/refresh", json={"refresh_token": second})
    assert after.status_code == 401


async def test_sign_in_does_not_reveal_which_accounts_exist(stack):
    await stack.customer("anna@example.com")
    wrong_password = await stack.http.post(
        "/api/v1/auth/token", json={"email": "anna@example.com", "password": "nope-nope-nope"}
    )
    no_account = await stack.http.post(
        "/api/v1/auth/token", json={"email": "nobody@example.com", "password": "nope-nope-nope"}
    )
    assert wrong_password.status_code == no_account.status_code == 401
    assert wrong_password.json()["detail"] == no_account.json()["detail"]
    # Registering a taken address does not say so (test_account_lifecycle.py has the rest).
    taken = await stack.http.post(
        "/api/v1/auth/register", json={"email": "ANNA@example.com", "password": "another password"}
    )
    assert taken.status_code == 201


async def test_store_staff_act_only_for_their_stores(stack):
    async with channel(f"127.0.0.1:{stack.apps['inventory'].port}") as ch:
        inventory = inventory_pb2_grpc.InventoryServiceStub(ch)
        stores = []
        for code in ("BER-01", "HAM-01"):
            location = inventory_pb2.StockLocation(
                code=code,
                name=code,
                kind=inventory_pb2.LOCATION_KIND_STORE,
                geo=common_pb2.GeoPoint(lat=52.5, lng=13.4),
            )
            reply = await inventory.CreateStockLocation(
                inventory_pb2.CreateStockLocationRequest(location=location)
            )
            stores.append(reply.location.id)
    berlin, hamburg = stores
    admin = await stack.admin()
    for username, role, store_ids in [("ben", "associate", [berlin]), ("cora", "consultant", [])]:
        created = await stack.http.post(
            "/staff/v1/users",
            json={
                "username": username,
                "password": "long enough pw",
                "role": role,
                "store_ids": store_ids,
            },
            headers=admin,
        )
        assert created.status_code == 201, created.text

    ben = await stack.staff_login("ben", "long enough pw")
    assert (await stack.http.get(f"/staff/v1/stores/{berlin}", headers=ben)).status_code == 200
    assert (await stack.http.get(f"/staff/v1/stores/{hamburg}", headers=ben)).status_code == 403
    cora = await stack.staff_login("cora", "long enough pw")
    assert (await stack.http.get(f"/staff/v1/stores/{hamburg}", headers=cora)).status_code == 200

    # Function level (API5): an associate cannot administer.
    refused = await stack.http.post(
        "/staff/v1/users",
        json={"username": "eve", "password": "long enough pw", "role": "admin"},
        headers=ben,
    )
    assert refused.status_code == 403
    store_role_without_store = await stack.http.post(
        "/staff/v1/users",
        json={"username": "dan", "password": "long enough pw", "role": "associate"},
        headers=admin,
    )
    assert store_role_without_store.status_code == 422


async def test_partner_keys_are_scoped_revocable_and_see_only_their_own_objects(stack):
    p1, key1 = await stack.partner("marketplace-one", ["webhooks:manage", "orders:read"])
    _, key2 = await stack.partner("marketplace-two", ["webhooks:manage"])
    _, read_only = await stack.partner("marketplace-three", ["catalog:read"])

    hook = await stack.http.post(
        "/partner/v1/webhooks",
        json={
            "url": "https://hooks.example.com/omni",
            "event_types": ["omni.order.order.confirmed"],
        },
        headers=key1,
    )
    assert hook.status_code == 201, hook.text
    assert len(hook.json()["secret"]) == 64
    listed_by_owner = (await stack.http.get("/partner/v1/webhooks", headers=key1)).json()
    assert [w["id"] for w in listed_by_owner] == [hook.json()["id"]]
    assert "secret" not in listed_by_owner[0]  # shown once
    assert (await stack.http.get("/partner/v1/webhooks", headers=key2)).json() == []
    assert (
        await stack.http.delete(f"/partner/v1/webhooks/{hook.json()['id']}", headers=key2)
    ).status_code == 404
    assert (await stack.http.get("/partner/v1/webhooks", headers=read_only)).status_code == 403

    admin = await stack.admin()
    key_id = key1["X-Api-Key"].removeprefix("omni_pk_").split(".")[0]
    revoked = await stack.http.delete(f"/staff/v1/partners/{p1}/api-keys/{key_id}", headers=admin)
    assert revoked.status_code == 204
    unknown = await stack.http.post(
        f"/staff/v1/partners/{p1}/api-keys", json={"scopes": ["orders:delete"]}, headers=admin
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "scopes[0]"
    after = await stack.http.get("/partner/v1/webhooks", headers=key1)
    assert after.status_code == 401
    assert "revoked" in after.json()["detail"]
    bogus = await stack.http.get("/partner/v1/webhooks", headers={"X-Api-Key": "omni_pk_x.y"})
    assert bogus.status_code == 401
