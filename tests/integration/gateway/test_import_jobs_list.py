"""The staff API's list of import jobs (GET /staff/v1/imports): admins only, newest first,
paged by a token; a bad page size or token is refused naming the field."""

from __future__ import annotations

from test_bulk_import import HEADER, upload


async def test_admins_list_import_jobs_newest_first_page_by_page(stack):
    admin = await stack.admin()
    started = [(await upload(stack.http, admin, HEADER, "csv"))["id"] for _ in range(3)]

    first = await stack.http.get("/staff/v1/imports", params={"page_size": 2}, headers=admin)
    assert first.status_code == 200, first.text
    page = first.json()
    assert [job["id"] for job in page["jobs"]] == started[::-1][:2]
    assert {job["kind"] for job in page["jobs"]} == {"products"}
    assert page["next_page_token"]
    second = await stack.http.get(
        "/staff/v1/imports",
        params={"page_size": 2, "page_token": page["next_page_token"]},
        headers=admin,
    )
    assert second.status_code == 200, second.text
    assert [job["id"] for job in second.json()["jobs"]] == started[:1]
    assert second.json()["next_page_token"] is None
    everything = await stack.http.get("/staff/v1/imports", headers=admin)
    assert [job["id"] for job in everything.json()["jobs"]] == started[::-1]

    for params, field, status in [
        ({"page_size": 0}, "page_size", 400),
        ({"page_size": 201}, "page_size", 400),
        ({"page_token": "x" * 501}, "page_token", 400),
        ({"page_token": "garbage"}, "page_token", 422),
    ]:
        bad = await stack.http.get("/staff/v1/imports", params=params, headers=admin)
        assert bad.status_code == status, (params, bad.text)
        assert bad.headers["content-type"].startswith("application/problem+json")
        assert bad.json()["errors"][0]["field"] == field, (params, bad.text)

    consultant = await stack.staff_member("cleo", "consultant", [])
    refused = await stack.http.get("/staff/v1/imports", headers=consultant)
    assert refused.status_code == 403, refused.text
