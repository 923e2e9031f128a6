"""Keys through real gateway processes: a token key rotation logs no one out, a token naming an
unknown key is refused; webhook signing secrets are sealed in the store (old plaintext rows
too) and deliveries still carry signatures the partner's secret verifies; a sealing-key
rotation reseals every secret under the new key."""

from __future__ import annotations

import asyncio
import time

import httpx
import jwt

from omni_gateway.security.sealing import SecretBox
from omni_gateway.webhooks.signing import verify
from omni_gateway.webhooks.store import WebhookStore
from omni_kit.ids import new_id, utcnow

OLD = "token-key-before-rotation-" + "o" * 24
NEW = "token-key-after-rotation-" + "n" * 24
WEBHOOK_KEY = "webhook-sealing-key-" + "w" * 28
ADMIN_PASSWORD = "keys-admin-password"
EVENT = "omni.catalog.product.created"


async def admin_token(http: httpx.AsyncClient, base: str) -> str:
    reply = await http.post(
        f"{base}/staff/v1/auth/token", json={"username": "admin", "password": ADMIN_PASSWORD}
    )
    assert reply.status_code == 200, reply.text
    return str(reply.json()["access_token"])


async def add_partner(http: httpx.AsyncClient, base: str, token: str) -> httpx.Response:
    return await http.post(
        f"{base}/staff/v1/partners",
        json={"name": new_id("p")},
        headers={"Authorization": f"Bearer {token}"},
    )


async def test_a_token_key_rotation_logs_no_one_out(start_gateway):
    before = start_gateway(jwt_secret=OLD, admin_password=ADMIN_PASSWORD)
    async with httpx.AsyncClient(timeout=15) as http:
        signed_before = await admin_token(http, before)
        # The rollout: the new key signs, the old one is still accepted.
        rotated = start_gateway(
            jwt_secret=NEW, jwt_previous_secret=OLD, admin_password=ADMIN_PASSWORD
        )
        assert (await add_partner(http, rotated, signed_before)).status_code == 201
        signed_after = await admin_token(http, rotated)
        assert (
            jwt.get_unverified_header(signed_after)["kid"]
            != (jwt.get_unverified_header(signed_before)["kid"])
        )
        assert (await add_partner(http, rotated, signed_after)).status_code == 201

        # A valid signature under a key id the gateway does not know: refused.
        claims = jwt.decode(signed_after, options={"verify_signature": False})
        unknown_kid = jwt.encode(claims, NEW, algorithm="HS256", headers={"kid": "0123abcd"})
        refused = await add_partner(http, rotated, unknown_kid)
        assert refused.status_code == 401
        assert refused.headers["content-type"].startswith("application/problem+json")

        # Later, with the previous key dropped, only its tokens stop working.
        finished = start_gateway(jwt_secret=NEW, admin_password=ADMIN_PASSWORD)
        assert (await add_partner(http, finished, signed_before)).status_code == 401
        assert (await add_partner(http, finished, signed_after)).status_code == 201


async def test_webhook_secrets_are_sealed_at_rest_and_deliveries_verify(
    start_gateway, mongo, db_name, loopback_receiver
):
    db = mongo[f"{db_name}_gateway"]
    legacy_secret = "legacy-plaintext-secret-" + "l" * 20
    await db["webhooks"].insert_one(
        {
            "_id": "whk_legacy",
            "partner_id": "ptn_legacy",
            "url": f"http://127.0.0.1:{loopback_receiver.port}/legacy",
            "event_types": [EVENT],
            "secret": legacy_secret,
            "active": True,
            "created_at": utcnow(),
        }
    )
    base = start_gateway(admin_password=ADMIN_PASSWORD, webhook_secret_key=WEBHOOK_KEY)
    async with httpx.AsyncClient(base_url=base, timeout=15) as http:
        admin = {"Authorization": f"Bearer {await admin_token(http, base)}"}
        partner_id = (await add_partner(http, base, admin["Authorization"][7:])).json()["id"]
        key = await http.post(
            f"/staff/v1/partners/{partner_id}/api-keys",
            json={"scopes": ["webhooks:manage"]},
            headers=admin,
        )
        created = await http.post(
            "/partner/v1/webhooks",
            json={"url": f"http://127.0.0.1:{loopback_receiver.port}/new", "event_types": [EVENT]},
            headers={"X-Api-Key": key.json()["api_key"]},
        )
        assert created.status_code == 201, created.text
        secret = created.json()["secret"]

    secrets = {created.json()["id"]: secret, "whk_legacy": legacy_secret}
    for webhook_id, plain in secrets.items():
        row = await db["webhooks"].find_one({"_id": webhook_id})
        assert "secret" not in row  # the old row was sealed when the gateway started
        assert plain not in str(row)
        assert SecretBox(WEBHOOK_KEY).open(row["secret_sealed"]) == plain

    payload = b'{"id":"evt-keys"}'
    store = WebhookStore(db, SecretBox(WEBHOOK_KEY))
    await store.enqueue(new_id("evt"), EVENT, "", lambda _partner: payload)
    deadline = time.monotonic() + 30
    while len(loopback_receiver.requests) < 2 and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    received = {headers["Omni-Webhook-Id"]: headers for _, headers in loopback_receiver.requests}
    assert set(received) == set(secrets)
    for webhook_id, headers in received.items():
        assert verify(secrets[webhook_id], headers["Omni-Signature"], payload, int(time.time()))


async def test_a_sealing_key_rotation_reseals_every_secret_and_deliveries_still_verify(
    start_gateway, mongo, db_name, loopback_receiver
):
    db = mongo[f"{db_name}_gateway"]
    before, after = WEBHOOK_KEY, "webhook-sealing-key-rotated-" + "r" * 24
    url = f"http://127.0.0.1:{loopback_receiver.port}/rotated"
    old_store = WebhookStore(db, SecretBox(before))
    webhooks = [await old_store.register("ptn_rotation", url, [EVENT]) for _ in range(2)]

    # Step 2 of the rotation: the new key seals, the old one is still accepted.
    start_gateway(
        admin_password=ADMIN_PASSWORD,
        webhook_secret_key=after,
        webhook_secret_previous_key=before,
    )
    for webhook in webhooks:
        row = await db["webhooks"].find_one({"_id": webhook["_id"]})
        assert SecretBox(after).sealed_by_current(row["secret_sealed"])  # resealed at start
        assert SecretBox(after).open(row["secret_sealed"]) == webhook["secret"]

    payload = b'{"id":"evt-rotated"}'
    await WebhookStore(db, SecretBox(after)).enqueue(
        new_id("evt"), EVENT, "", lambda _partner: payload
    )
    deadline = time.monotonic() + 30
    while len(loopback_receiver.requests) < 2 and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    received = {headers["Omni-Webhook-Id"]: headers for _, headers in loopback_receiver.requests}
    assert set(received) == {webhook["_id"] for webhook in webhooks}
    for webhook in webhooks:
        signature = received[webhook["_id"]]["Omni-Signature"]
        assert verify(webhook["secret"], signature, payload, int(time.time()))
