"""A staff second factor (TOTP) through a real gateway process: admins must enrol before the
staff API answers them, sign-in then needs a current code that works once, refreshed sessions
keep it, the secret is sealed at rest, and an admin can remove a lost one."""

from __future__ import annotations

import time

import httpx
import pyotp

ADMIN_PASSWORD = "second-factor-admin-1"


def bearer(session: dict) -> dict[str, str]:
    return {"Authorization": f"Bearer {session['access_token']}"}


async def test_admins_enrol_then_sign_in_with_a_code_that_works_once(start_gateway, mongo, db_name):
    base = start_gateway(admin_password=ADMIN_PASSWORD, staff_second_factor_roles="admin")
    staff_users = mongo[f"{db_name}_gateway"]["staff_users"]
    async with httpx.AsyncClient(base_url=base, timeout=20) as http:

        async def sign_in(otp: str = "") -> httpx.Response:
            body = {"username": "admin", "password": ADMIN_PASSWORD, "otp": otp}
            return await http.post("/staff/v1/auth/token", json=body)

        # Signed in with the password alone, an admin can only enrol.
        first = (await sign_in()).json()
        refused = await http.get("/staff/v1/users", headers=bearer(first))
        assert refused.status_code == 403
        assert refused.json()["code"] == "SECOND_FACTOR_REQUIRED"
        enrolment = await http.post("/staff/v1/auth/second-factor", headers=bearer(first))
        assert enrolment.status_code == 201, enrolment.text
        secret = enrolment.json()["secret"]
        assert enrolment.json()["otpauth_uri"].startswith("otpauth://totp/Omni:admin?secret=")
        totp = pyotp.TOTP(secret)
        row = await staff_users.find_one({"username": "admin"})
        assert secret not in str(row)  # sealed at rest

        wrong = await http.post(
            "/staff/v1/auth/second-factor/confirm", json={"code": "000000"}, headers=bearer(first)
        )
        assert wrong.status_code == 400 and wrong.json()["code"] == "INVALID_CODE"
        confirm_code = totp.now()
        confirmed = await http.post(
            "/staff/v1/auth/second-factor/confirm",
            json={"code": confirm_code},
            headers=bearer(first),
        )
        assert confirmed.status_code == 200, confirmed.text
        session = confirmed.json()
        assert (await http.get("/staff/v1/users", headers=bearer(session))).status_code == 200
        again = await http.post("/staff/v1/auth/second-factor", headers=bearer(session))
        assert again.status_code == 409

        # From now on sign-in needs a code, and each code works once.
        missing = await sign_in()
        assert missing.status_code == 401
        assert missing.json()["code"] == "SECOND_FACTOR_CODE_REQUIRED"
        assert (await sign_in("123456" if totp.now() != "123456" else "654321")).status_code == 401
        assert (await sign_in(confirm_code)).status_code == 401  # its step is used
        next_code = totp.at(time.time() + totp.interval)  # the next step, within the drift
        signed_in = await sign_in(next_code)
        assert signed_in.status_code == 200, signed_in.text
        assert (await sign_in(next_code)).status_code == 401  # replayed
        refreshed = await http.post(
            "/staff/v1/auth/refresh", json={"refresh_token": signed_in.json()["refresh_token"]}
        )
        assert refreshed.status_code == 200
        listed = await http.get("/staff/v1/users", headers=bearer(refreshed.json()))
        assert listed.status_code == 200  # a refreshed session keeps its second factor
        assert listed.json()["users"][0]["second_factor"] is True

        # A lost phone: an admin removes the factor; the member's sessions end.
        admin_id = listed.json()["users"][0]["id"]
        removed = await http.delete(
            f"/staff/v1/users/{admin_id}/second-factor", headers=bearer(refreshed.json())
        )
        assert removed.status_code == 204
        assert (
            await http.get("/staff/v1/users", headers=bearer(refreshed.json()))
        ).status_code == 401
        plain = (await sign_in()).json()
        assert (await http.get("/staff/v1/users", headers=bearer(plain))).status_code == 403
