"""Security headers and CORS on the real gateway process: the same protective headers on public,
authenticated and error answers, no-store on anything personal, no server banner, and CORS only
for the origins listed."""

from __future__ import annotations

import httpx

SHOP = "https://shop.example.com"
FOREIGN = "https://evil.example.net"
ADMIN_PASSWORD = "headers-admin-password"
EVERYWHERE = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "strict-transport-security": "max-age=31536000; includeSubDomains",
}


def assert_protected(reply: httpx.Response) -> None:
    for name, value in EVERYWHERE.items():
        assert reply.headers.get(name) == value, (reply.request.url, name, reply.headers)
    assert "frame-ancestors 'none'" in reply.headers["content-security-policy"]
    assert "server" not in reply.headers  # no "uvicorn" for anyone to look up


async def test_every_answer_carries_the_headers_and_personal_ones_are_not_stored(start_gateway):
    base = start_gateway(cors_allowed_origins=SHOP, admin_password=ADMIN_PASSWORD)
    async with httpx.AsyncClient(base_url=base, timeout=15) as http:
        public = await http.get("/healthz")
        assert public.status_code == 200
        assert_protected(public)
        assert public.headers.get("cache-control") != "no-store"

        signed_in = await http.post(
            "/staff/v1/auth/token", json={"username": "admin", "password": ADMIN_PASSWORD}
        )
        assert signed_in.status_code == 200, signed_in.text
        assert_protected(signed_in)
        assert signed_in.headers["cache-control"] == "no-store"  # it carries tokens
        admin = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}

        partner = await http.post("/staff/v1/partners", json={"name": "hdr"}, headers=admin)
        assert partner.status_code == 201, partner.text
        assert_protected(partner)
        assert partner.headers["cache-control"] == "no-store"
        key = await http.post(
            f"/staff/v1/partners/{partner.json()['id']}/api-keys",
            json={"scopes": ["webhooks:manage"]},
            headers=admin,
        )
        partner_call = await http.get(
            "/partner/v1/event-types", headers={"X-Api-Key": key.json()["api_key"]}
        )
        assert partner_call.status_code == 200
        assert_protected(partner_call)
        assert partner_call.headers["cache-control"] == "no-store"

        for reply in (
            await http.get("/api/v1/me"),  # 401: personal path, no credential
            await http.get("/api/v1/no-such-thing", headers=admin),  # 404 with a credential
            await http.post("/api/v1/auth/token", json={"email": "x@example.com"}),  # 4xx body
        ):
            assert 400 <= reply.status_code < 500, reply.text
            assert reply.headers["content-type"].startswith("application/problem+json")
            assert_protected(reply)
            assert reply.headers["cache-control"] == "no-store"


async def test_cors_answers_only_the_listed_origins(start_gateway):
    base = start_gateway(cors_allowed_origins=f"{SHOP},http://localhost:5173")
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
    }
    async with httpx.AsyncClient(base_url=base, timeout=15) as http:
        allowed = await http.options("/api/v1/auth/token", headers={"Origin": SHOP, **preflight})
        assert allowed.status_code == 204, allowed.text
        assert allowed.headers["access-control-allow-origin"] == SHOP
        assert "POST" in allowed.headers["access-control-allow-methods"]
        assert "idempotency-key" in allowed.headers["access-control-allow-headers"].lower()
        assert allowed.headers.get("access-control-allow-credentials") is None
        assert_protected(allowed)

        simple = await http.post(
            "/api/v1/auth/anonymous", headers={"Origin": "http://localhost:5173"}
        )
        assert simple.status_code == 201
        assert simple.headers["access-control-allow-origin"] == "http://localhost:5173"
        assert "X-Request-Id" in simple.headers["access-control-expose-headers"]
        assert "origin" in simple.headers["vary"].lower()

        foreign = await http.options("/api/v1/auth/token", headers={"Origin": FOREIGN, **preflight})
        assert foreign.status_code >= 400
        assert "access-control-allow-origin" not in foreign.headers
        assert_protected(foreign)
        read = await http.post("/api/v1/auth/anonymous", headers={"Origin": FOREIGN})
        assert "access-control-allow-origin" not in read.headers


async def test_without_listed_origins_there_are_no_cors_headers(start_gateway):
    base = start_gateway(hsts_max_age_seconds="0")
    async with httpx.AsyncClient(base_url=base, timeout=15) as http:
        preflight = await http.options(
            "/api/v1/auth/token",
            headers={"Origin": SHOP, "Access-Control-Request-Method": "POST"},
        )
        simple = await http.post("/api/v1/auth/anonymous", headers={"Origin": SHOP})
    for reply in (preflight, simple):
        assert not [h for h in reply.headers if h.lower().startswith("access-control-")]
        assert "strict-transport-security" not in reply.headers  # left to the ingress
        assert reply.headers["x-content-type-options"] == "nosniff"
