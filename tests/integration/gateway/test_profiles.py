"""Customer profiles through the gateway: customers see and change only their own; staff search,
see the 360° view, add notes; only consultants and admins merge."""

from __future__ import annotations

from typing import Any


async def staff_user(stack, username: str, role: str, store_ids: list[str] | None = None) -> Any:
    admin = await stack.admin()
    body = {"username": username, "password": "a-long-password-1", "role": role}
    created = await stack.http.post(
        "/staff/v1/users", json=body | {"store_ids": store_ids or []}, headers=admin
    )
    assert created.status_code == 201, created.text
    return await stack.staff_login(username, "a-long-password-1")


async def test_a_customer_manages_only_their_own_profile(stack):
    http = stack.http
    anna, session = await stack.customer("anna@example.com")
    bob, bob_session = await stack.customer("bob@example.com")
    anna_id = session["subject"]

    renamed = await http.patch("/api/v1/me", json={"display_name": "Anna S."}, headers=anna)
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["display_name"] == "Anna S."
    cheat = await http.patch(
        "/api/v1/me", json={"loyalty": {"points_balance": 10**6}}, headers=anna
    )
    assert cheat.status_code in (400, 422)
    assert cheat.headers["content-type"].startswith("application/problem+json")
    assert (await http.get("/api/v1/me", headers=anna)).json()["loyalty"]["points_balance"] == 0

    prefs = await http.put(
        "/api/v1/me/preferences",
        json={
            "preferred_channel": "sms",
            "quiet_hours": {"start": "22:00", "end": "07:00"},
            "time_zone": "Europe/Berlin",
        },
        headers=anna,
    )
    assert prefs.status_code == 200, prefs.text
    assert prefs.json()["preferences"]["quiet_hours"] == {"start": "22:00", "end": "07:00"}
    bad = await http.put("/api/v1/me/preferences", json={"time_zone": "Mars/Base"}, headers=anna)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "preferences.time_zone"

    consent = await http.post(
        "/api/v1/me/consents",
        json={"channel": "email", "purpose": "marketing", "granted": True},
        headers=anna | {"X-Omni-Channel": "app"},
    )
    assert consent.status_code == 201, consent.text
    unknown = await http.post(
        "/api/v1/me/consents",
        json={"channel": "fax", "purpose": "marketing", "granted": True},
        headers=anna,
    )
    assert unknown.status_code == 422
    assert "channel" in unknown.json()["errors"][0]["field"]
    given = consent.json()["preferences"]["consents"][0]
    assert (given["granted"], given["source"]) == (True, "app")

    address = {"address": {"lines": ["Invalidenstr. 1"], "city": "Berlin", "country_code": "DE"}}
    key = {"Idempotency-Key": "addr-1"}
    first = await http.post("/api/v1/me/addresses", json=address, headers=anna | key)
    again = await http.post("/api/v1/me/addresses", json=address, headers=anna | key)
    assert first.status_code == again.status_code == 201, first.text
    assert first.json()["id"] == again.json()["id"]
    address_id = first.json()["id"]
    moved = await http.patch(
        f"/api/v1/me/addresses/{address_id}", json={"label": "home"}, headers=anna
    )
    assert moved.json()["label"] == "home"
    bad_country = await http.post(
        "/api/v1/me/addresses",
        json={"address": {"lines": ["x"], "city": "y", "country_code": "de"}},
        headers=anna,
    )
    assert bad_country.status_code == 422
    assert bad_country.json()["errors"][0]["field"] == "address.address.country_code"
    # Bob cannot touch Anna's address: it is not one of his.
    assert (await http.delete(f"/api/v1/me/addresses/{address_id}", headers=bob)).status_code == 404
    me = (await http.get("/api/v1/me", headers=anna)).json()
    assert [a["id"] for a in me["addresses"]] == [address_id]

    mine = await http.get("/api/v1/me/timeline", headers=anna)
    assert mine.status_code == 200
    assert any("Marketing by email" in e["summary"] for e in mine.json()["entries"])
    own = await http.get(f"/api/v1/customers/{anna_id}/timeline", headers=anna)
    assert own.json() == mine.json()
    refused = await http.get(f"/api/v1/customers/{anna_id}/timeline", headers=bob)
    assert refused.status_code == 404
    assert refused.headers["content-type"].startswith("application/problem+json")
    bobs = await http.get(f"/api/v1/customers/{bob_session['subject']}/timeline", headers=bob)
    # Only his own: at most the e-mail that proved his address.
    assert bobs.status_code == 200
    assert {e["type"] for e in bobs.json().get("entries", [])} <= {"notification"}
    assert not any("Marketing" in e["summary"] for e in bobs.json().get("entries", []))
    assert (await http.get(f"/staff/v1/customers/{anna_id}", headers=anna)).status_code == 401

    exported = (await http.get("/api/v1/me/export", headers=anna)).json()
    assert exported["profile"]["id"] == anna_id
    assert exported["profile"]["addresses"][0]["label"] == "home"


async def test_staff_find_see_note_and_only_consultants_merge(stack):
    http = stack.http
    anna, anna_session = await stack.customer("anna@example.com")
    _, bob_session = await stack.customer("bob@example.com")
    anna_id, bob_id = anna_session["subject"], bob_session["subject"]
    consultant = await staff_user(stack, "clara", "consultant")
    associate = await staff_user(stack, "sam", "associate", ["store-berlin"])

    added = await http.post(
        f"/staff/v1/customers/{anna_id}/identities",
        json={"kind": "phone", "value": "0151 23456789"},
        headers=consultant | {"X-Omni-Channel": "phone"},
    )
    assert added.status_code == 201, added.text
    found = await http.get(
        "/staff/v1/customers",
        params={"kind": "phone", "value": "+49 151 2345 6789"},
        headers=associate,
    )
    assert [p["id"] for p in found.json()["profiles"]] == [anna_id]

    taken = await http.post(
        f"/staff/v1/customers/{bob_id}/identities",
        json={"kind": "phone", "value": "+4915123456789"},
        headers=consultant,
    )
    assert taken.status_code == 409
    problem = taken.json()
    assert problem["code"] == "IDENTITY_TAKEN"
    assert problem["errors"][0]["field"] == "identity.value"
    assert problem["metadata"]["owner_profile_id"] == anna_id
    invalid = await http.post(
        f"/staff/v1/customers/{bob_id}/identities",
        json={"kind": "email", "value": "bob@"},
        headers=consultant,
    )
    assert invalid.status_code == 422
    assert invalid.json()["errors"][0]["field"] == "identity.value"

    note = await http.post(
        f"/staff/v1/customers/{anna_id}/notes",
        json={
            "type": "call_note",
            "summary": "Asked about pickup times",
            "body": "Prefers mornings",
        },
        headers=consultant | {"X-Omni-Channel": "phone"},
    )
    assert note.status_code == 201, note.text
    assert note.json()["channel"] == "phone"
    view = (await http.get(f"/staff/v1/customers/{anna_id}", headers=associate)).json()
    assert view["profile"]["id"] == anna_id
    assert view["timeline"]["entries"][0]["summary"] == "Asked about pickup times"
    calls = await http.get(
        f"/staff/v1/customers/{anna_id}/timeline", params={"type": "call_note"}, headers=associate
    )
    assert [e["summary"] for e in calls.json()["entries"]] == ["Asked about pickup times"]
    # The customer's own feed leaves out staff-internal call notes.
    own = (await http.get("/api/v1/me/timeline", headers=anna)).json()
    assert "call_note" not in str(own) and "Asked about pickup" not in str(own)
    only_calls = await http.get("/api/v1/me/timeline", params={"type": "call_note"}, headers=anna)
    assert only_calls.json() == {"entries": [], "next_page_token": ""}

    merge = {"survivor_id": anna_id, "merged_id": bob_id, "reason": "same person"}
    refused = await http.post("/staff/v1/customers/merges", json=merge, headers=associate)
    assert refused.status_code == 403
    assert (await http.get(f"/staff/v1/customers/{bob_id}", headers=associate)).json()["profile"][
        "id"
    ] == bob_id
    itself = await http.post(
        "/staff/v1/customers/merges",
        json={"survivor_id": anna_id, "merged_id": anna_id},
        headers=consultant,
    )
    assert itself.status_code == 422
    assert (itself.json()["code"], itself.json()["errors"][0]["field"]) == (
        "SAME_PROFILE",
        "merged_id",
    )

    merged = await http.post("/staff/v1/customers/merges", json=merge, headers=consultant)
    assert merged.status_code == 201, merged.text
    merge_id = merged.json()["merge"]["id"]
    old = (await http.get(f"/staff/v1/customers/{bob_id}", headers=associate)).json()
    assert old["profile"]["id"] == anna_id
    assert (
        await http.post(f"/staff/v1/customers/merges/{merge_id}/undo", json={}, headers=associate)
    ).status_code == 403
    undone = await http.post(
        f"/staff/v1/customers/merges/{merge_id}/undo", json={"reason": "wrong"}, headers=consultant
    )
    assert undone.status_code == 200, undone.text
    assert undone.json()["restored"]["id"] == bob_id
    back = (await http.get(f"/staff/v1/customers/{bob_id}", headers=associate)).json()
    assert back["profile"]["id"] == bob_id

    # Privacy: export and erasure are for admins only.
    assert (
        await http.get(f"/staff/v1/customers/{bob_id}/export", headers=consultant)
    ).status_code == 403
    admin = await stack.admin()
    exported = await http.get(f"/staff/v1/customers/{bob_id}/export", headers=admin)
    assert exported.json()["profile"]["identities"][0]["value"] == "bob@example.com"
    assert (
        await http.post(f"/staff/v1/customers/{bob_id}/erasure", headers=consultant)
    ).status_code == 403
    erased = await http.post(f"/staff/v1/customers/{bob_id}/erasure", headers=admin)
    assert erased.status_code == 200, erased.text
    assert erased.json()["status"] == "erased"
    assert erased.json()["identities"] == []
