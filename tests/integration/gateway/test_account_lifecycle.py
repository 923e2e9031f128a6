"""Customer accounts through the real gateway and services: registration on a fresh profile, the
takeover attempt on a profile recorded at the till, proving the address, password reset, change
and sign-out everywhere (docs/security.md, V2.1/V2.5/V3.3)."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import timedelta

import grpc
import pytest
from pymongo import AsyncMongoClient

from omni.common.v1 import common_pb2
from omni.customer.v1 import customer_pb2 as P
from omni.customer.v1 import customer_pb2_grpc
from omni_kit.idempotency import call_metadata
from omni_kit.ids import new_id, utcnow

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def local_sink(tmp_path, monkeypatch):
    """The stack's notification service writes its messages here."""
    monkeypatch.setenv("OMNI_NOTIFICATION_SINK_DIR", str(tmp_path / "sink"))
    return tmp_path / "sink" / "messages.jsonl"


@pytest.fixture
def gateway_settings() -> dict[str, str]:
    # Many auth calls from one address: the auth rate limit is not what this module tests.
    return {
        "auth_rate_limit_per_minute": "1000",
        "auth_account_attempts": "1000",
        "session_check_cache_seconds": "0.5",
    }


async def messages(sink, to: str, subject: str, count: int = 1) -> list[dict]:
    """The messages sent to `to` whose subject contains `subject`, once there are `count`."""
    found: list[dict] = []
    for _ in range(300):
        if sink.exists():
            rows = [json.loads(row) for row in sink.read_text().splitlines()]
            found = [r for r in rows if r["to"] == to and subject in r["subject"]]
            if len(found) >= count:
                return found
        await asyncio.sleep(0.1)
    raise AssertionError(f"{count} message(s) {subject!r} to {to} expected, found {found}")


def code_in(message: dict) -> str:
    return re.search(r"\b(\d{6})\b", message["body"]).group(1)


def reset_code_in(message: dict) -> str:
    return re.search(r"new password: (\S+)\.", message["body"]).group(1)


def bearer(session: dict) -> dict[str, str]:
    return {"Authorization": f"Bearer {session['access_token']}"}


async def register(stack, email: str, password: str = PASSWORD) -> dict:
    reply = await stack.http.post(
        "/api/v1/auth/register", json={"email": email, "password": password}
    )
    assert reply.status_code == 201, reply.text
    return reply.json()


async def sign_in(stack, email: str, password: str = PASSWORD):
    return await stack.http.post("/api/v1/auth/token", json={"email": email, "password": password})


async def me(stack, session: dict) -> dict:
    reply = await stack.http.get("/api/v1/me", headers=bearer(session))
    assert reply.status_code == 200, reply.text
    return reply.json()


async def refused(stack, session: dict) -> None:
    """Neither the access token nor the refresh token of `session` works any more."""
    assert (await stack.http.get("/api/v1/me", headers=bearer(session))).status_code == 401
    again = await stack.http.post(
        "/api/v1/auth/refresh", json={"refresh_token": session["refresh_token"]}
    )
    assert again.status_code == 401, again.text


async def till_profile(stack, email: str) -> str:
    """A customer served at the till: e-mail recorded, an address and 120 loyalty points, no
    account (as the POS does it, straight through the customer service)."""
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{stack.apps['customer'].port}")
    customer = customer_pb2_grpc.CustomerServiceStub(channel)
    store = common_pb2.ChannelRef(channel=common_pb2.SALES_CHANNEL_POS, store_id="berlin")
    found = await customer.FindOrCreateProfile(
        P.FindOrCreateProfileRequest(
            identity=P.Identity(kind=P.IDENTITY_KIND_EMAIL, value=email),
            display_name="Vera Till",
            channel=store,
        )
    )
    profile_id = found.profile.id
    await customer.AddAddress(
        P.AddAddressRequest(
            profile_id=profile_id,
            address=P.CustomerAddress(
                label="home",
                address=common_pb2.Address(
                    lines=["Torstr. 1"], city="Berlin", postal_code="10119", country_code="DE"
                ),
            ),
        ),
        metadata=call_metadata(new_id("t"), "test"),
    )
    await customer.AdjustLoyalty(
        P.AdjustLoyaltyRequest(profile_id=profile_id, points_delta=120, reason="till purchase"),
        metadata=call_metadata(new_id("t"), "test"),
    )
    await channel.close()
    return profile_id


async def test_the_account_lifecycle_through_the_gateway(stack, local_sink):
    # One stack for every step: starting it is most of the cost.
    await takeover_attempt_on_a_till_profile(stack, local_sink)
    await verification_is_single_use_expiring_and_limited(stack, local_sink)
    await password_reset_change_and_sign_out_everywhere(stack, local_sink)


async def takeover_attempt_on_a_till_profile(stack, sink) -> None:
    victim = "vera@example.com"
    guessable = await stack.http.post(
        "/api/v1/auth/register", json={"email": victim, "password": "vera1234567"}
    )
    assert guessable.status_code == 422, guessable.text
    assert guessable.json()["code"] == "WEAK_PASSWORD"
    till_id = await till_profile(stack, victim)

    # A stranger registers the address: a fresh profile, none of the till profile's data.
    stranger = await register(stack, victim)
    mine = await me(stack, stranger)
    assert mine["id"] != till_id
    assert mine["addresses"] == []
    assert mine["loyalty"]["points_balance"] == 0
    assert [i for i in mine["identities"] if i["value"] == victim] == []
    other = await stack.http.get(f"/api/v1/customers/{till_id}/timeline", headers=bearer(stranger))
    assert other.status_code == 404
    # Signing in unverified works, and still sees only the fresh profile.
    signed_in = await sign_in(stack, victim)
    assert signed_in.status_code == 200
    assert (await me(stack, signed_in.json()))["id"] == mine["id"]

    # The code went to the address, which the stranger does not read: guessing is refused.
    [sent] = await messages(sink, victim, "verification code")
    guess = "000000" if code_in(sent) != "000000" else "111111"
    guessed = await stack.http.post(
        "/api/v1/auth/verify-email", json={"code": guess}, headers=bearer(stranger)
    )
    assert guessed.status_code == 400, guessed.text
    assert guessed.json()["code"] == "INVALID_CODE"
    # Nor can anyone read it back: staff see the message, never its code.
    staff = await stack.admin()
    listed = await stack.http.get(f"/staff/v1/customers/{mine['id']}/notifications", headers=staff)
    assert listed.status_code == 200, listed.text
    bodies = [n["message"]["body"] for n in listed.json()["notifications"] if n["message"]]
    assert bodies and all(code_in(sent) not in body for body in bodies), bodies
    assert any("withheld" in body for body in bodies), bodies

    # The address's owner resets the password (the code reaches the owner's mailbox): that
    # proves the address; the account moves to the till profile and the stranger is out.
    assert (
        await stack.http.post("/api/v1/auth/password-reset", json={"email": victim})
    ).status_code == 202
    [reset] = await messages(sink, victim, "Reset your password")
    confirmed = await stack.http.post(
        "/api/v1/auth/password-reset/confirm",
        json={"code": reset_code_in(reset), "new_password": "the owner's new password"},
    )
    assert confirmed.status_code == 204, confirmed.text
    await asyncio.sleep(0.6)  # the session check cache (0.5 s in this module)
    await refused(stack, stranger)
    assert (await sign_in(stack, victim)).status_code == 401
    owner = await sign_in(stack, victim, "the owner's new password")
    assert owner.status_code == 200
    theirs = await me(stack, owner.json())
    assert theirs["id"] == till_id
    # The address the till recorded is now proven.
    assert [i["verified"] for i in theirs["identities"] if i["value"] == victim] == [True]
    assert theirs["loyalty"]["points_balance"] == 120
    assert [a["label"] for a in theirs["addresses"]] == ["home"]


async def verification_is_single_use_expiring_and_limited(stack, sink) -> None:
    email = "sam@example.com"
    session = await register(stack, email)
    [sent] = await messages(sink, email, "verification code")
    code = code_in(sent)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(4):  # four wrong tries of five
        reply = await stack.http.post(
            "/api/v1/auth/verify-email", json={"code": wrong}, headers=bearer(session)
        )
        assert reply.status_code == 400
    proven = await stack.http.post(
        "/api/v1/auth/verify-email", json={"code": code}, headers=bearer(session)
    )
    assert proven.status_code == 200, proven.text
    new_session = proven.json()
    profile = await me(stack, new_session)
    assert [(i["value"], i["verified"]) for i in profile["identities"]] == [(email, True)]
    # Single use; and the session from before verification is over.
    again = await stack.http.post(
        "/api/v1/auth/verify-email", json={"code": code}, headers=bearer(new_session)
    )
    assert again.status_code == 400
    await asyncio.sleep(0.6)
    await refused(stack, session)

    # Five wrong tries void a code: the right one is refused after them.
    limited = await register(stack, "lim@example.com")
    [sent] = await messages(sink, "lim@example.com", "verification code")
    code = code_in(sent)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        reply = await stack.http.post(
            "/api/v1/auth/verify-email", json={"code": wrong}, headers=bearer(limited)
        )
        assert reply.status_code == 400
    late = await stack.http.post(
        "/api/v1/auth/verify-email", json={"code": code}, headers=bearer(limited)
    )
    assert late.status_code == 400
    # A new code works.
    resend = await stack.http.post("/api/v1/auth/verify-email/send", headers=bearer(limited))
    assert resend.status_code == 202
    sent = await messages(sink, "lim@example.com", "verification code", count=2)
    fresh = await stack.http.post(
        "/api/v1/auth/verify-email", json={"code": code_in(sent[-1])}, headers=bearer(limited)
    )
    assert fresh.status_code == 200, fresh.text

    # An expired code is refused.
    expiring = await register(stack, "exp@example.com")
    [sent] = await messages(sink, "exp@example.com", "verification code")
    client: AsyncMongoClient = AsyncMongoClient(stack.mongo_uri)
    codes = client[f"{stack.db_name}_gateway"]["account_codes"]
    await codes.update_one(
        {"account": "exp@example.com"}, {"$set": {"expires_at": utcnow() - timedelta(seconds=1)}}
    )
    await client.close()
    expired = await stack.http.post(
        "/api/v1/auth/verify-email", json={"code": code_in(sent)}, headers=bearer(expiring)
    )
    assert expired.status_code == 400

    # Registering an address that has an account does not say so: the same 201 and session
    # shape (on a fresh profile of its own), and the owner is told.
    twice = await register(stack, email, "another password entirely")
    assert set(twice) == set(session)
    assert (await me(stack, twice))["id"] != profile["id"]
    await messages(sink, email, "tried to create an account")
    assert (await sign_in(stack, email, "another password entirely")).status_code == 401


async def password_reset_change_and_sign_out_everywhere(stack, sink) -> None:
    # Unknown addresses answer like known ones, and nothing is sent.
    unknown = await stack.http.post(
        "/api/v1/auth/password-reset", json={"email": "nobody@example.com"}
    )
    assert unknown.status_code == 202
    email = "rita@example.com"
    before = await register(stack, email)
    other_device = (await sign_in(stack, email)).json()
    assert (
        await stack.http.post("/api/v1/auth/password-reset", json={"email": email})
    ).status_code == 202
    [reset] = await messages(sink, email, "Reset your password")
    code = reset_code_in(reset)
    confirm = {"code": code, "new_password": "rita's second password"}
    done = await stack.http.post("/api/v1/auth/password-reset/confirm", json=confirm)
    assert done.status_code == 204, done.text
    reused = await stack.http.post("/api/v1/auth/password-reset/confirm", json=confirm)
    assert reused.status_code == 400
    await asyncio.sleep(0.6)
    await refused(stack, before)
    await refused(stack, other_device)
    await messages(sink, email, "password was changed")
    sink_text = sink.read_text()
    assert "nobody@example.com" not in sink_text

    # Change the password: the other sessions end, the answer is a new session.
    first = (await sign_in(stack, email, "rita's second password")).json()
    second = (await sign_in(stack, email, "rita's second password")).json()
    listed = await stack.http.get("/api/v1/auth/sessions", headers=bearer(first))
    assert listed.status_code == 200, listed.text
    assert [s["current"] for s in listed.json()["sessions"]] == [False, True]  # newest first
    wrong = await stack.http.post(
        "/api/v1/auth/password",
        json={"current_password": "not it", "new_password": "rita's third password"},
        headers=bearer(first),
    )
    assert wrong.status_code == 400
    changed = await stack.http.post(
        "/api/v1/auth/password",
        json={"current_password": "rita's second password", "new_password": "rita's third pw!"},
        headers=bearer(first),
    )
    assert changed.status_code == 200, changed.text
    await asyncio.sleep(0.6)
    await refused(stack, first)
    await refused(stack, second)
    current = changed.json()
    assert (await me(stack, current))["id"]
    left = (await stack.http.get("/api/v1/auth/sessions", headers=bearer(current))).json()
    assert [s["current"] for s in left["sessions"]] == [True]

    # Sign out everywhere.
    out = await stack.http.post("/api/v1/auth/logout-all", headers=bearer(current))
    assert out.status_code == 204
    await asyncio.sleep(0.6)
    await refused(stack, current)
    assert (await sign_in(stack, email, "rita's third pw!")).status_code == 200
