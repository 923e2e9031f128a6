"""Staff users through real gateway processes: an admin's change to a user (stores, role,
password, deactivation) ends that user's sessions at once, access tokens included, on this
replica and on another; a user changes their own password and signs out everywhere; the last
active admin cannot be demoted or deactivated."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import httpx

from omni_kit.ids import utcnow

ADMIN_PASSWORD = "staff-sessions-admin-1"
PASSWORD = "associate password 1"
NEW_PASSWORD = "associate password 2"


async def sign_in(http: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await http.post(
        "/staff/v1/auth/token", json={"username": username, "password": password}
    )


def bearer(session: httpx.Response) -> dict[str, str]:
    assert session.status_code == 200, session.text
    return {"Authorization": f"Bearer {session.json()['access_token']}"}


async def status_of(http: httpx.AsyncClient, headers: dict[str, str]) -> int:
    """401 for a refused token; a valid associate token is authenticated, then forbidden."""
    return (await http.get("/staff/v1/users", headers=headers)).status_code


async def test_changes_to_a_staff_user_end_their_sessions_everywhere(start_gateway):
    base = start_gateway(admin_password=ADMIN_PASSWORD)
    other = start_gateway(
        admin_password=ADMIN_PASSWORD
    )  # a second replica, with its 5 s cache of session generations
    async with (
        httpx.AsyncClient(base_url=base, timeout=20) as http,
        httpx.AsyncClient(base_url=other, timeout=20) as replica,
    ):
        admin = bearer(await sign_in(http, "admin", ADMIN_PASSWORD))
        weak = await http.post(
            "/staff/v1/users",
            json={
                "username": "ana",
                "password": "password123",
                "role": "associate",
                "store_ids": ["s1"],
            },
            headers=admin,
        )
        assert weak.status_code == 422, weak.text
        assert weak.json()["code"] == "WEAK_PASSWORD"
        assert weak.json()["errors"][0]["field"] == "password"
        created = await http.post(
            "/staff/v1/users",
            json={
                "username": "ana",
                "password": PASSWORD,
                "role": "associate",
                "store_ids": ["s1"],
            },
            headers=admin,
        )
        assert created.status_code == 201, created.text
        user = created.json()
        assert user["active"] is True
        ana_id = user["id"]

        # An admin moves her to another store: her access and refresh tokens stop at once.
        first = await sign_in(http, "ana", PASSWORD)
        ana = bearer(first)
        assert await status_of(http, ana) == 403
        # The password the admin chose is temporary: nothing but choosing her own answers.
        temporary = await http.get("/staff/v1/stores/s1", headers=ana)
        assert temporary.status_code == 403
        assert temporary.json()["code"] == "PASSWORD_CHANGE_REQUIRED"
        assert await status_of(replica, ana) == 403
        moved = await http.patch(
            f"/staff/v1/users/{ana_id}", json={"store_ids": ["s2", "s2"]}, headers=admin
        )
        assert moved.status_code == 200, moved.text
        assert moved.json()["store_ids"] == ["s2"]
        assert await status_of(http, ana) == 401
        refreshed = await http.post(
            "/staff/v1/auth/refresh", json={"refresh_token": first.json()["refresh_token"]}
        )
        assert refreshed.status_code == 401
        deadline = time.monotonic() + 30
        while await status_of(replica, ana) != 401:  # the other replica, within its cache time
            assert time.monotonic() < deadline, "the other replica still accepts the token"
            await asyncio.sleep(0.5)

        # She changes her own password: other sessions end, the new one works.
        ana = bearer(await sign_in(http, "ana", PASSWORD))
        wrong = await http.post(
            "/staff/v1/auth/password",
            json={"current_password": "not it at all", "new_password": NEW_PASSWORD},
            headers=ana,
        )
        assert wrong.status_code == 400
        assert wrong.json()["code"] == "WRONG_PASSWORD"
        assert await status_of(http, ana) == 403  # a wrong try ends nothing
        guessable = await http.post(
            "/staff/v1/auth/password",
            json={"current_password": PASSWORD, "new_password": "qwertyuiop"},
            headers=ana,
        )
        assert guessable.status_code == 422
        assert guessable.json()["errors"][0]["field"] == "new_password"
        changed = await http.post(
            "/staff/v1/auth/password",
            json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
            headers=ana,
        )
        fresh = bearer(changed)
        assert await status_of(http, ana) == 401
        assert await status_of(http, fresh) == 403
        assert (await sign_in(http, "ana", PASSWORD)).status_code == 401

        # Sign out everywhere.
        assert (await http.post("/staff/v1/auth/logout-all", headers=fresh)).status_code == 204
        assert await status_of(http, fresh) == 401

        # Deactivated: the right password no longer signs in, and a new one does not help.
        ana = bearer(await sign_in(http, "ana", NEW_PASSWORD))
        off = await http.patch(f"/staff/v1/users/{ana_id}", json={"active": False}, headers=admin)
        assert off.json()["active"] is False
        assert await status_of(http, ana) == 401
        assert (await sign_in(http, "ana", NEW_PASSWORD)).status_code == 401
        reset = await http.post(
            f"/staff/v1/users/{ana_id}/password",
            json={"new_password": "set by the admin 3"},
            headers=admin,
        )
        assert reset.status_code == 204
        assert (await sign_in(http, "ana", "set by the admin 3")).status_code == 401
        back = await http.patch(f"/staff/v1/users/{ana_id}", json={"active": True}, headers=admin)
        assert back.status_code == 200
        again = await sign_in(http, "ana", "set by the admin 3")
        reset_by_admin = await http.get("/staff/v1/stores/s1", headers=bearer(again))
        assert reset_by_admin.json()["code"] == "PASSWORD_CHANGE_REQUIRED"

        # Paging by username, and the admin's own account kept safe.
        first_page = await http.get("/staff/v1/users", params={"page_size": 1}, headers=admin)
        assert [u["username"] for u in first_page.json()["users"]] == ["admin"]
        token = first_page.json()["next_page_token"]
        second = await http.get(
            "/staff/v1/users", params={"page_size": 1, "page_token": token}, headers=admin
        )
        assert [u["username"] for u in second.json()["users"]] == ["ana"]
        assert second.json()["next_page_token"] == ""
        admin_id = first_page.json()["users"][0]["id"]
        for change in ({"active": False}, {"role": "consultant"}):
            refused = await http.patch(f"/staff/v1/users/{admin_id}", json=change, headers=admin)
            assert refused.status_code == 409, refused.text
            assert refused.json()["code"] == "LAST_ADMIN"
        assert await status_of(http, admin) == 200  # refused changes end no session
        empty = await http.patch(f"/staff/v1/users/{ana_id}", json={}, headers=admin)
        assert empty.status_code == 422
        unknown = await http.patch("/staff/v1/users/staff_nobody", json={}, headers=admin)
        assert unknown.status_code == 404


async def test_a_session_ends_at_its_maximum_age_however_often_it_is_refreshed(
    start_gateway, mongo, db_name
):
    base = start_gateway(admin_password=ADMIN_PASSWORD, session_max_age_seconds="86400")
    tokens = mongo[f"{db_name}_gateway"]["refresh_tokens"]
    async with httpx.AsyncClient(base_url=base, timeout=20) as http:
        session = (await sign_in(http, "admin", ADMIN_PASSWORD)).json()
        refreshed = await http.post(
            "/staff/v1/auth/refresh", json={"refresh_token": session["refresh_token"]}
        )
        assert refreshed.status_code == 200, refreshed.text
        [live] = await tokens.find({"used": False}).to_list()
        assert live["expires_at"] <= live["signed_in_at"] + timedelta(days=1)

        # The same session, signed in a day and a minute ago: no refresh extends it.
        day_ago = utcnow() - timedelta(days=1, minutes=1)
        await tokens.update_many({}, {"$set": {"signed_in_at": day_ago}})
        again = await http.post(
            "/staff/v1/auth/refresh", json={"refresh_token": refreshed.json()["refresh_token"]}
        )
        assert again.status_code == 401, again.text  # within its refresh TTL, still refused


async def test_a_member_sees_their_sessions_and_signs_out_one_of_them(start_gateway):
    base = start_gateway(admin_password=ADMIN_PASSWORD)
    async with httpx.AsyncClient(base_url=base, timeout=20) as http:
        laptop = (await sign_in(http, "admin", ADMIN_PASSWORD)).json()
        phone = (await sign_in(http, "admin", ADMIN_PASSWORD)).json()
        listed = await http.get("/staff/v1/auth/sessions", headers=bearer_of(laptop))
        assert listed.status_code == 200, listed.text
        sessions = listed.json()["sessions"]
        assert len(sessions) == 2
        [current] = [s for s in sessions if s["current"]]
        [other] = [s for s in sessions if not s["current"]]
        assert current["signed_in_at"] <= current["expires_at"]

        # Refreshing keeps the session (same id, later refresh).
        refreshed = await http.post(
            "/staff/v1/auth/refresh", json={"refresh_token": phone["refresh_token"]}
        )
        relisted = (await http.get("/staff/v1/auth/sessions", headers=bearer_of(laptop))).json()
        assert {s["id"] for s in relisted["sessions"]} == {current["id"], other["id"]}

        ended = await http.delete(
            f"/staff/v1/auth/sessions/{other['id']}", headers=bearer_of(laptop)
        )
        assert ended.status_code == 204
        gone = await http.post(
            "/staff/v1/auth/refresh", json={"refresh_token": refreshed.json()["refresh_token"]}
        )
        assert gone.status_code == 401
        left = (await http.get("/staff/v1/auth/sessions", headers=bearer_of(laptop))).json()
        assert [s["id"] for s in left["sessions"]] == [current["id"]]
        again = await http.delete(
            f"/staff/v1/auth/sessions/{other['id']}", headers=bearer_of(laptop)
        )
        assert again.status_code == 404


def bearer_of(session: dict) -> dict[str, str]:
    return {"Authorization": f"Bearer {session['access_token']}"}
