"""Staff acting on a customer's request: a consent changed during a call (recorded as made by
that consultant on the customer's request, in the consent and the timeline; the customer sees the
request, not who recorded it); a profile's merges
with their undo state, and a merge's dry run computed by the customer service's own merge."""

from __future__ import annotations

import jwt
from test_profiles import staff_user


def staff_id(headers: dict[str, str]) -> str:
    token = headers["Authorization"].removeprefix("Bearer ")
    return str(jwt.decode(token, options={"verify_signature": False})["sub"])


async def test_a_consultant_changes_a_consent_on_the_customers_request(stack):
    http = stack.http
    anna, session = await stack.customer("anna@example.com")
    anna_id = session["subject"]
    consultant = await staff_user(stack, "clara", "consultant")
    associate = await staff_user(stack, "sam", "associate", ["store-berlin"])
    url = f"/staff/v1/customers/{anna_id}/consents"
    body = {"channel": "sms", "purpose": "marketing", "granted": False}

    refused = await http.post(url, json=body, headers=associate)
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    wrong = await http.post(url, json=body | {"channel": "pigeon"}, headers=consultant)
    assert wrong.status_code == 422, wrong.text
    assert wrong.json()["errors"][0]["field"] == "channel"

    recorded = await http.post(url, json=body, headers=consultant | {"X-Omni-Channel": "phone"})
    assert recorded.status_code == 200, recorded.text
    consents = recorded.json()["preferences"]["consents"]
    assert len(consents) == 1
    consent = consents[0]
    assert (consent["channel"], consent["purpose"], consent["granted"]) == (
        "sms",
        "marketing",
        False,
    )
    assert consent["customer_request"] is True
    assert consent["source"] == "phone"
    assert consent["recorded_by"]["kind"] == "staff"
    assert consent["recorded_by"]["id"] == staff_id(consultant)
    assert consent["recorded_at"]

    timeline = await http.get(f"/staff/v1/customers/{anna_id}/timeline", headers=consultant)
    entry = timeline.json()["entries"][0]
    assert entry["summary"] == "Marketing by sms: withdrawn (phone), on the customer's request"
    assert (entry["actor"]["kind"], entry["actor"]["id"]) == ("staff", staff_id(consultant))
    assert entry["channel"] == "phone"

    # The customer sees that staff recorded it on their request, never which member did.
    own_view = (await http.get("/api/v1/me", headers=anna)).json()["preferences"]["consents"][0]
    assert own_view["customer_request"] is True and own_view["granted"] is False
    assert "recorded_by" not in own_view

    # The customer's own change is the customer's, not a request to staff.
    own = await http.post(
        "/api/v1/me/consents",
        json=body | {"granted": True},
        headers=anna | {"X-Omni-Channel": "web"},
    )
    assert own.status_code in (200, 201), own.text
    mine = own.json()["preferences"]["consents"][0]
    assert (mine["granted"], mine["customer_request"]) == (True, False)
    assert "recorded_by" not in mine
    seen = await http.get(f"/staff/v1/customers/{anna_id}", headers=consultant)
    assert seen.json()["profile"]["preferences"]["consents"][0]["recorded_by"]["kind"] == "customer"


async def test_a_merge_dry_run_moves_nothing_and_the_merges_show_their_undo_state(stack):
    http = stack.http
    _, anna_session = await stack.customer("anna@example.com")
    _, bob_session = await stack.customer("bob@example.com")
    anna_id, bob_id = anna_session["subject"], bob_session["subject"]
    consultant = await staff_user(stack, "clara", "consultant")
    associate = await staff_user(stack, "sam", "associate", ["store-berlin"])
    merge = {"survivor_id": anna_id, "merged_id": bob_id, "reason": "same person"}

    assert (
        await http.post("/staff/v1/customers/merges/preview", json=merge, headers=associate)
    ).status_code == 403
    itself = await http.post(
        "/staff/v1/customers/merges/preview",
        json=merge | {"merged_id": anna_id},
        headers=consultant,
    )
    assert itself.status_code == 422
    assert (itself.json()["code"], itself.json()["errors"][0]["field"]) == (
        "SAME_PROFILE",
        "merged_id",
    )
    preview = await http.post("/staff/v1/customers/merges/preview", json=merge, headers=consultant)
    assert preview.status_code == 200, preview.text
    would = preview.json()
    assert [i["value"] for i in would["moved_identities"]] == ["bob@example.com"]
    assert {i["value"] for i in would["survivor"]["identities"]} == {
        "anna@example.com",
        "bob@example.com",
    }
    # Nothing moved: bob is still his own profile and nobody has a merge.
    bob = (await http.get(f"/staff/v1/customers/{bob_id}", headers=consultant)).json()["profile"]
    assert (bob["id"], bob["status"]) == (bob_id, "active")
    history = f"/staff/v1/customers/{anna_id}/merges"
    assert (await http.get(history, headers=consultant)).json() == {
        "merges": [],
        "next_page_token": "",
    }
    assert (await http.get(history, headers=associate)).status_code == 403

    merged = await http.post("/staff/v1/customers/merges", json=merge, headers=consultant)
    assert merged.status_code == 201, merged.text
    merge_id = merged.json()["merge"]["id"]
    for profile_id in (anna_id, bob_id):
        listed = (
            await http.get(f"/staff/v1/customers/{profile_id}/merges", headers=consultant)
        ).json()["merges"]
        assert [(m["id"], m["status"]) for m in listed] == [(merge_id, "active")]
    again = await http.post("/staff/v1/customers/merges/preview", json=merge, headers=consultant)
    assert again.status_code == 409
    assert again.json()["code"] == "PROFILE_ALREADY_MERGED"

    undone = await http.post(
        f"/staff/v1/customers/merges/{merge_id}/undo", json={"reason": "wrong"}, headers=consultant
    )
    assert undone.status_code == 200, undone.text
    listed = (await http.get(history, headers=consultant)).json()["merges"]
    assert [(m["id"], m["status"], m["unmerged_by"]["id"]) for m in listed] == [
        (merge_id, "undone", staff_id(consultant))
    ]
