"""OWASP API Top 10 items not covered elsewhere: property-level authorization, resource caps,
and no secret in any log line."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

from test_orders import seed


async def test_callers_cannot_set_properties_they_do_not_own(stack):
    await seed(stack)
    customer, _ = await stack.customer("props@example.com")

    # Loyalty points are earned, never set by the customer.
    refused = await stack.http.patch(
        "/api/v1/me", json={"loyalty": {"points": 1_000_000}}, headers=customer
    )
    assert refused.status_code in (400, 422), refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "loyalty" in refused.text
    me = (await stack.http.get("/api/v1/me", headers=customer)).json()
    assert me["loyalty"]["points_balance"] == 0

    # Prices come from the channel listing, never from the caller.
    cart = (await stack.http.get("/api/v1/carts/current", headers=customer)).json()
    cheap = await stack.http.post(
        f"/api/v1/carts/{cart['id']}/lines",
        json={
            "sku": "TEE-M",
            "quantity": 1,
            "unit_price": {"amount_minor": 1, "currency": "EUR"},
        },
        headers=customer,
    )
    assert cheap.status_code in (400, 422), cheap.text
    assert "unit_price" in cheap.text
    after = (await stack.http.get(f"/api/v1/carts/{cart['id']}", headers=customer)).json()
    assert not after.get("lines")


async def test_page_sizes_are_capped(stack):
    huge = await stack.http.get(
        "/api/v1/catalog/products", params={"page_size": 100_000}, headers={"X-Omni-Channel": "web"}
    )
    assert huge.status_code in (400, 422), huge.text
    assert "page_size" in huge.text
    # A repeated parameter (HTTP parameter pollution): the one value that is checked is the one
    # that is used, the last; no order of repeats gets past the cap.
    web = {"X-Omni-Channel": "web"}
    hidden = await stack.http.get(
        "/api/v1/catalog/products?page_size=2&page_size=100000", headers=web
    )
    assert hidden.status_code in (400, 422), hidden.text
    last = await stack.http.get(
        "/api/v1/catalog/products?page_size=100000&page_size=2", headers=web
    )
    assert last.status_code == 200, last.text
    assert len(last.json()["items"]) <= 2


async def test_no_token_key_or_password_reaches_the_logs(stack, tmp_path: Path):
    password = "correct horse battery"
    customer, session = await stack.customer("secret-logs@example.com")
    await stack.http.get("/api/v1/me", headers=customer)
    refreshed = await stack.http.post(
        "/api/v1/auth/refresh", json={"refresh_token": session["refresh_token"]}
    )
    assert refreshed.status_code == 200
    await stack.http.post(
        "/api/v1/auth/token", json={"email": "secret-logs@example.com", "password": "wrong-one!"}
    )
    _, partner = await stack.partner("logs-market", ["orders:read"])
    await stack.http.get("/partner/v1/orders", headers=partner)
    await stack.http.get("/partner/v1/orders", headers={"X-Api-Key": partner["X-Api-Key"] + "x"})

    port = urlparse(stack.base).port
    log = (tmp_path / f"gateway-{port}.log").read_text()
    assert log, "the gateway wrote no log"
    secrets = [
        session["access_token"],
        session["refresh_token"],
        refreshed.json()["access_token"],
        partner["X-Api-Key"],
        partner["X-Api-Key"].split(".", 1)[1],
        password,
        "wrong-one!",
    ]
    leaked = [secret[:12] + "…" for secret in secrets if secret in log]
    assert not leaked, f"secrets in the gateway log: {leaked}"
