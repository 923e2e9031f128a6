"""Stored passwords through the gateway: accounts hashed with the old scrypt scheme still sign in
and leave argon2id behind in the store; a wrong password changes nothing; a sign-in for an
account that does not exist does the same hashing work as one that does; with a pepper, the
stored hashes need it."""

from __future__ import annotations

import base64
import hashlib
from unittest.mock import Mock

import httpx
from litestar.testing import AsyncTestClient

from omni_gateway import app as gateway_app
from omni_gateway.security import passwords
from omni_gateway.settings import GatewaySettings
from omni_kit.ids import utcnow

CURRENT = "$argon2id$v=19$m=19456,t=2,p=1$"


def legacy_scrypt(password: str) -> str:
    """A hash as the gateway wrote them before argon2id (N=2^14, r=8, p=1, 16-byte salt)."""
    salt = b"fedcba9876543210"
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    return "scrypt$" + base64.b64encode(salt + digest).decode()


async def old_timer(db) -> None:
    """A customer account whose password was hashed with the old scrypt scheme."""
    await db["customer_accounts"].insert_one(
        {
            "_id": "old-timer@example.com",
            "customer_id": "cus_legacy",
            "password": legacy_scrypt("an old password 1"),
            "created_at": utcnow(),
        }
    )


async def test_legacy_scrypt_accounts_sign_in_and_are_rehashed_to_argon2id(
    start_gateway, mongo, db_name
):
    base = start_gateway()
    db = mongo[f"{db_name}_gateway"]
    await old_timer(db)
    await db["staff_users"].insert_one(
        {
            "_id": "staff_legacy",
            "username": "legacy-clerk",
            "password": legacy_scrypt("an old password 2"),
            "role": "associate",
            "store_ids": ["store-1"],
            "created_at": utcnow(),
        }
    )
    async with httpx.AsyncClient(base_url=base, timeout=15) as http:
        wrong = await http.post(
            "/api/v1/auth/token",
            json={"email": "old-timer@example.com", "password": "not the password"},
        )
        assert wrong.status_code == 401
        account = await db["customer_accounts"].find_one({"_id": "old-timer@example.com"})
        assert account["password"].startswith("scrypt$")  # a failed sign-in rewrites nothing

        for _ in range(2):  # the first sign-in upgrades the hash, the second uses the new one
            customer = await http.post(
                "/api/v1/auth/token",
                json={"email": "old-timer@example.com", "password": "an old password 1"},
            )
            assert customer.status_code == 200, customer.text
            assert customer.json()["subject"] == "cus_legacy"
            account = await db["customer_accounts"].find_one({"_id": "old-timer@example.com"})
            assert account["password"].startswith(CURRENT)

        staff = await http.post(
            "/staff/v1/auth/token",
            json={"username": "legacy-clerk", "password": "an old password 2"},
        )
        assert staff.status_code == 200, staff.text
        user = await db["staff_users"].find_one({"_id": "staff_legacy"})
        assert user["password"].startswith(CURRENT)
        again = await http.post(
            "/staff/v1/auth/token",
            json={"username": "legacy-clerk", "password": "an old password 2"},
        )
        assert again.status_code == 200

        registered = await http.post(
            "/staff/v1/auth/token", json={"username": "admin", "password": "admin-password-123"}
        )
        assert registered.status_code == 200
        admin = await db["staff_users"].find_one({"username": "admin"})
        assert admin["password"].startswith(CURRENT)  # new accounts get argon2id directly


async def test_signing_in_as_nobody_does_the_same_hashing_work(
    mongo_uri, nats_url, db_name, mongo, monkeypatch
):
    spy = Mock(wraps=passwords.verify_password)
    monkeypatch.setattr(passwords, "verify_password", spy)
    settings = GatewaySettings(
        jwt_secret="a-secret-only-for-this-test-0123456789",
        mongo_uri=mongo_uri,
        mongo_database=f"{db_name}_gateway",
        nats_url=nats_url,
    )
    db = mongo[f"{db_name}_gateway"]
    async with AsyncTestClient(app=gateway_app.create_app(settings)) as http:
        await db["customer_accounts"].insert_one(
            {
                "_id": "known@example.com",
                "customer_id": "cus_known",
                "password": passwords.hash_password("the right password"),
            }
        )
        unknown = await http.post(
            "/api/v1/auth/token",
            json={"email": "nobody@example.com", "password": "the right password"},
        )
        known = await http.post(
            "/api/v1/auth/token",
            json={"email": "known@example.com", "password": "a wrong password"},
        )
        unknown_staff = await http.post(
            "/staff/v1/auth/token", json={"username": "nobody", "password": "whatever it is"}
        )
    assert (unknown.status_code, known.status_code, unknown_staff.status_code) == (401, 401, 401)
    assert unknown.json()["detail"] == known.json()["detail"]
    # One full argon2id verification each: the two unknown ones against the fixed hash.
    verifications = [stored for (_, stored), _ in spy.call_args_list]
    assert len(verifications) == 3
    assert all(stored.startswith(CURRENT) for stored in verifications)
    assert verifications[0] == verifications[2] != verifications[1]


async def test_with_a_pepper_the_stored_hashes_are_useless_without_it(
    start_gateway, mongo, db_name
):
    first, second = "first-pepper-" + "a" * 30, "second-pepper-" + "b" * 30
    db = mongo[f"{db_name}_gateway"]
    await old_timer(db)
    body = {"email": "old-timer@example.com", "password": "an old password 1"}

    async def sign_in(base: str) -> int:
        async with httpx.AsyncClient(base_url=base, timeout=15) as http:
            return (await http.post("/api/v1/auth/token", json=body)).status_code

    async def stored() -> str:
        account = await db["customer_accounts"].find_one({"_id": "old-timer@example.com"})
        return str(account["password"])

    assert await sign_in(start_gateway(password_pepper=first)) == 200
    with_first = await stored()
    assert with_first.startswith("pepper:") and "$argon2id$" in with_first
    # The database alone (a gateway without the pepper) cannot check it.
    assert await sign_in(start_gateway()) == 401
    # Rotated: the previous pepper still signs in, and the hash moves to the new one.
    rotated = start_gateway(password_pepper=second, password_previous_pepper=first)
    assert await sign_in(rotated) == 200
    with_second = await stored()
    assert (
        with_second.startswith("pepper:") and with_second.split("$")[0] != with_first.split("$")[0]
    )
    assert await sign_in(start_gateway(password_pepper=second)) == 200
