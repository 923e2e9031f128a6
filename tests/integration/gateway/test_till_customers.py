"""Customers at the till through the gateway: staff create a profile from a phone number or an
e-mail alone, with the channel and store it was created at, and find it again by either."""

from __future__ import annotations


async def test_staff_create_customers_from_a_phone_or_an_email(stack):
    admin = await stack.admin()
    store, other = [
        (
            await stack.http.post(
                "/staff/v1/locations",
                json={
                    "code": code,
                    "name": city,
                    "kind": "store",
                    "address": {"lines": ["Rynek 1"], "city": city},
                    "time_zone": "Europe/Warsaw",
                },
                headers=admin,
            )
        ).json()["id"]
        for code, city in (("LUB-01", "Lublin"), ("RZE-01", "Rzeszów"))
    ]
    kasia = await stack.staff_member("kasia", "associate", [store])
    cora = await stack.staff_member("cora", "consultant", [])

    # At the till: a phone number alone, in international format with spaces.
    key = {"Idempotency-Key": "till-1"}
    body = {"phone": "+48 601 234 567", "display_name": "Jan Kowalski"}
    till = await stack.http.post("/staff/v1/customers", json=body, headers=kasia | key)
    assert till.status_code == 201, till.text
    profile = till.json()["profile"]
    assert till.json()["store_id"] == store  # an associate's only store
    assert profile["source_channel"] == "pos"
    assert [(i["kind"], i["value"]) for i in profile["identities"]] == [("phone", "+48601234567")]
    again = await stack.http.post("/staff/v1/customers", json=body, headers=kasia | key)
    assert (again.status_code, again.json()) == (201, till.json())
    assert again.headers["idempotent-replayed"] == "true"

    found = await stack.http.get(
        "/staff/v1/customers", params={"kind": "phone", "value": "+48601234567"}, headers=cora
    )
    assert [p["id"] for p in found.json()["profiles"]] == [profile["id"]]

    # By phone from the call centre: an e-mail alone, no store.
    call = await stack.http.post(
        "/staff/v1/customers",
        json={"email": "Anna.Nowak@Example.com"},
        headers=cora | {"X-Omni-Channel": "phone"},
    )
    assert call.status_code == 201, call.text
    assert (call.json()["store_id"], call.json()["profile"]["source_channel"]) == (None, "phone")
    by_mail = await stack.http.get(
        "/staff/v1/customers",
        params={"kind": "email", "value": "anna.nowak@example.com"},
        headers=kasia,
    )
    assert [p["id"] for p in by_mail.json()["profiles"]] == [call.json()["profile"]["id"]]

    # Both at once: either finds it.
    both = await stack.http.post(
        "/staff/v1/customers",
        json={"phone": "+48 602 345 678", "email": "ewa@example.com", "store_id": store},
        headers=admin,
    )
    assert both.status_code == 201, both.text
    for kind, value in (("phone", "+48602345678"), ("email", "ewa@example.com")):
        hit = await stack.http.get(
            "/staff/v1/customers", params={"kind": kind, "value": value}, headers=cora
        )
        assert [p["id"] for p in hit.json()["profiles"]] == [both.json()["profile"]["id"]]

    # Refusals name the field and write nothing.
    for wrong, field, status in [
        ({"phone": "12345"}, "phone", 422),
        ({"email": "not-an-address"}, "email", 422),
        ({}, "phone", 422),
        ({"display_name": "Nobody"}, "phone", 422),
        ({"phone": "+48601234567", "email": "new@example.com"}, "phone", 409),
        ({"email": "lost@example.com", "store_id": "loc_nowhere"}, "store_id", 404),
    ]:
        refused = await stack.http.post("/staff/v1/customers", json=wrong, headers=admin)
        assert refused.status_code == status, (wrong, refused.text)
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["errors"][0]["field"] == field, (wrong, refused.json())
    taken = await stack.http.post(
        "/staff/v1/customers",
        json={"phone": "+48601234567", "email": "new@example.com"},
        headers=admin,
    )
    assert taken.json()["metadata"]["owner_profile_id"] == profile["id"]
    for value in ("new@example.com", "lost@example.com"):
        nothing = await stack.http.get(
            "/staff/v1/customers", params={"kind": "email", "value": value}, headers=cora
        )
        assert nothing.json()["profiles"] == []

    # Store staff create only at their own stores.
    foreign = await stack.http.post(
        "/staff/v1/customers",
        json={"phone": "+48 603 456 789", "store_id": other},
        headers=kasia,
    )
    assert foreign.status_code == 403
