"""Listing marketplace partners (`GET /staff/v1/partners`): admins only, by name, paged by the
last name of the page before, each partner with its active keys and never a key's secret."""

from __future__ import annotations


async def test_admins_page_through_partners_with_their_active_keys(stack):
    admin = await stack.admin()
    ids = {}
    for name in ("Zalando", "Allegro", "Empik"):
        created = await stack.http.post("/staff/v1/partners", json={"name": name}, headers=admin)
        assert created.status_code == 201, created.text
        ids[name] = created.json()["id"]
    kept, revoked = [
        (
            await stack.http.post(
                f"/staff/v1/partners/{ids['Allegro']}/api-keys",
                json={"scopes": ["orders:write"], "label": label},
                headers=admin,
            )
        ).json()
        for label in ("warehouse", "old")
    ]
    gone = await stack.http.delete(
        f"/staff/v1/partners/{ids['Allegro']}/api-keys/{revoked['id']}", headers=admin
    )
    assert gone.status_code == 204

    first = await stack.http.get("/staff/v1/partners", params={"page_size": 2}, headers=admin)
    assert first.status_code == 200, first.text
    body = first.json()
    assert [p["partner"]["name"] for p in body["partners"]] == ["Allegro", "Empik"]
    allegro = body["partners"][0]
    assert allegro["partner"]["id"] == ids["Allegro"]
    assert [key["id"] for key in allegro["keys"]] == [kept["id"]]
    assert allegro["keys"][0]["label"] == "warehouse" and "api_key" not in allegro["keys"][0]
    assert body["partners"][1]["keys"] == []
    assert body["next_page_token"] == "Empik"

    last = await stack.http.get(
        "/staff/v1/partners",
        params={"page_size": 2, "page_token": body["next_page_token"]},
        headers=admin,
    )
    assert [p["partner"]["name"] for p in last.json()["partners"]] == ["Zalando"]
    assert last.json()["next_page_token"] == ""


async def test_partners_are_for_admins_and_a_bad_page_size_is_named(stack):
    consultant = await stack.staff_member("cora", "consultant", [])
    refused = await stack.http.get("/staff/v1/partners", headers=consultant)
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")

    admin = await stack.admin()
    bad = await stack.http.get("/staff/v1/partners", params={"page_size": 0}, headers=admin)
    assert bad.status_code == 400
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert "page_size" in bad.text
