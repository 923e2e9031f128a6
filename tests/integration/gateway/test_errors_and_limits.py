"""Problem documents for every mistake, idempotency keys, body and rate limits, request ids."""

from __future__ import annotations

import asyncio

import httpx


async def test_bad_bodies_get_precise_problems_and_write_nothing(stack):
    admin = await stack.admin()

    def post(body, **headers):
        return stack.http.post("/staff/v1/partners", headers=admin | headers, content=body)

    json_headers = {"Content-Type": "application/json"}

    malformed = await post(b'{"name": ', **json_headers)
    assert malformed.status_code == 400
    assert malformed.headers["content-type"].startswith("application/problem+json")

    not_utf8 = await post(b'"\x8d"', **json_headers)
    assert not_utf8.status_code == 400
    assert not_utf8.json()["code"] == "MALFORMED_BODY"

    unknown = await post(b'{"name": "p1", "admin": true}', **json_headers)
    assert unknown.status_code == 422
    assert "admin" in str(unknown.json())

    wrong_type = await post(b'{"name": 42}', **json_headers)
    assert wrong_type.status_code == 422
    assert wrong_type.json()["errors"][0]["field"]

    # A query operator where a value belongs is a wrong type, never a query (NoSQL injection).
    operator = await post(b'{"name": {"$gt": ""}}', **json_headers)
    assert operator.status_code == 422
    assert operator.json()["errors"][0]["field"] == "name"

    # None of the refused requests wrote anything: the name is still free.
    created = await post(b'{"name": "p1"}', **json_headers)
    assert created.status_code == 201
    again = await post(b'{"name": "p1"}', **json_headers)
    assert again.status_code == 409


async def test_oversized_body_is_refused(start_gateway, stack):
    small = start_gateway(max_body_bytes="2048")
    reply = httpx.post(
        f"{small}/api/v1/auth/token",
        content=b'{"email": "' + b"a" * 5000 + b'"}',
        headers={"Content-Type": "application/json"},
    )
    assert reply.status_code == 413
    assert reply.headers["content-type"].startswith("application/problem+json")


async def test_service_errors_map_to_http_statuses(stack):
    anna, _ = await stack.customer("anna@example.com")
    missing = await stack.http.get("/api/v1/carts/cart_missing", headers=anna)
    assert missing.status_code == 404
    assert missing.json()["code"] == "CART_NOT_FOUND"

    await stack.apps["order"].stop(grace=0)
    down = await stack.http.get("/api/v1/carts/current", headers=anna)
    assert down.status_code == 503
    assert down.headers["retry-after"]
    assert "Traceback" not in down.text


async def test_idempotency_key_replays_refuses_reuse_and_never_doubles(stack):
    admin = await stack.admin()
    key = {"Idempotency-Key": "create-partner-7"}
    first = await stack.http.post("/staff/v1/partners", json={"name": "p7"}, headers=admin | key)
    replay = await stack.http.post("/staff/v1/partners", json={"name": "p7"}, headers=admin | key)
    assert first.status_code == replay.status_code == 201
    assert replay.json() == first.json()
    assert replay.headers["idempotent-replayed"] == "true"

    other = await stack.http.post("/staff/v1/partners", json={"name": "p8"}, headers=admin | key)
    assert other.status_code == 422
    assert other.json()["code"] == "IDEMPOTENCY_KEY_REUSED"

    race = {"Idempotency-Key": "create-partner-9"}
    replies = await asyncio.gather(
        *(
            stack.http.post("/staff/v1/partners", json={"name": "p9"}, headers=admin | race)
            for _ in range(8)
        )
    )
    statuses = sorted(r.status_code for r in replies)
    assert set(statuses) <= {201, 409}, statuses
    ids = {r.json()["id"] for r in replies if r.status_code == 201}
    assert len(ids) == 1  # one partner, however the eight requests interleaved


async def test_rate_limit_answers_429_with_headers(start_gateway, stack):
    limited = start_gateway(rate_limit_per_minute="3")
    async with httpx.AsyncClient(base_url=limited) as client:
        replies = [await client.post("/api/v1/auth/anonymous") for _ in range(4)]
    assert [r.status_code for r in replies[:3]] == [201, 201, 201]
    assert replies[3].status_code == 429
    assert replies[0].headers["ratelimit-limit"] == "3"
    assert replies[3].headers["content-type"].startswith("application/problem+json")
    assert 1 <= int(replies[3].headers["Retry-After"]) <= 60
    assert replies[3].headers["ratelimit-remaining"] == "0"


async def test_every_response_carries_request_and_trace_ids(stack):
    given = await stack.http.get("/healthz", headers={"X-Request-Id": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    made = await stack.http.get("/api/v1/nowhere")
    assert made.headers["x-request-id"].startswith("req_")
    assert made.json()["request_id"] == made.headers["x-request-id"]
    assert len(made.headers["x-trace-id"]) == 32
