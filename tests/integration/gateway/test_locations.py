"""Stores and warehouses through the gateway: admins open, change and close them; store staff read
their own; shoppers find pickup points near a postal code, in a city or around a point, with
opening hours and whether an item is in stock there."""

from __future__ import annotations

from typing import Any

WEEK = [
    {"weekday": day, "opens": "09:00", "closes": "20:00"}
    for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
]


def store(code: str, city: str, postal_code: str, lat: float, lng: float, **more: Any) -> dict:
    return {
        "code": code,
        "name": f"Omni {city} {code}",
        "kind": "store",
        "address": {"lines": ["Rynek 1"], "city": city, "postal_code": postal_code},
        "geo": {"lat": lat, "lng": lng},
        "time_zone": "Europe/Warsaw",
        "opening_hours": WEEK,
        "flags": {"click_and_collect": True, "takes_returns": True, "sells_offline": True},
        **more,
    }


async def test_locations_for_admins_store_staff_and_shoppers(stack):
    """One stack for the module (starting it is the slow part); each audience in turn."""
    admin = await stack.admin()
    ids = await admins_open_stores_and_a_warehouse(stack, admin)
    await bad_locations_are_refused_naming_the_field(stack, admin)
    await lists_filter_by_kind_and_city_and_page_by_code(stack, admin)
    await store_staff_read_only_their_own(stack, ids)
    await changes_need_the_version_and_closing_keeps_the_location(stack, admin, ids)
    await shoppers_find_pickup_points_with_stock(stack, admin, ids)


async def admins_open_stores_and_a_warehouse(stack, admin) -> dict[str, str]:
    ids = {}
    bodies = [
        store(
            "WAW-01",
            "Warszawa",
            "00-001",
            52.23,
            21.01,
            opening_exceptions=[
                {"date": "2026-12-24", "intervals": [{"opens": "09:00", "closes": "14:00"}]},
                {"date": "2026-12-25", "note": "Christmas"},
            ],
        ),
        store("WAW-02", "Warszawa", "02-495", 52.19, 20.87),
        store("KRK-01", "Kraków", "31-001", 50.06, 19.94),
        {
            "code": "DC-01",
            "name": "Central warehouse",
            "kind": "warehouse",
            "address": {"lines": ["Magazynowa 5"], "city": "Łódź", "postal_code": "90-001"},
            "time_zone": "Europe/Warsaw",
            "flags": {"ships": True},
        },
    ]
    for body in bodies:
        created = await stack.http.post("/staff/v1/locations", json=body, headers=admin)
        assert created.status_code == 201, created.text
        assert created.headers["etag"] == '"1"'
        ids[body["code"]] = created.json()["id"]
    waw = (await stack.http.get(f"/staff/v1/locations/{ids['WAW-01']}", headers=admin)).json()
    assert (waw["kind"], waw["status"], waw["time_zone"]) == ("store", "open", "Europe/Warsaw")
    assert waw["flags"] == {
        "click_and_collect": True,
        "ship_to_store": False,
        "takes_returns": True,
        "sells_offline": True,
        "ships": False,
    }
    assert waw["opening_hours"][0] == {"weekday": "monday", "opens": "09:00", "closes": "20:00"}
    assert waw["opening_exceptions"] == [
        {
            "date": "2026-12-24",
            "intervals": [{"opens": "09:00", "closes": "14:00"}],
            "note": "",
        },
        {"date": "2026-12-25", "intervals": [], "note": "Christmas"},
    ]
    # The old store read still answers for the same location.
    old = await stack.http.get(f"/staff/v1/stores/{ids['WAW-01']}", headers=admin)
    assert (old.status_code, old.json()["code"]) == (200, "WAW-01")
    return ids


async def bad_locations_are_refused_naming_the_field(stack, admin):
    cases = [
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"code": "lower case"}, "code"),
        (
            {"opening_hours": [{"weekday": "monday", "opens": "18:00", "closes": "09:00"}]},
            "opening_hours[0].closes",
        ),
        (
            {"opening_hours": [{"weekday": "monday", "opens": "9am", "closes": "17:00"}]},
            "opening_hours[0].opens",
        ),
        ({"opening_exceptions": [{"date": "2026-02-30"}]}, "opening_exceptions[0].date"),
        ({"code": "WAW-01"}, "code"),  # taken
    ]
    for change, field in cases:
        body = store("BAD-01", "Gdańsk", "80-001", 54.35, 18.65) | change
        refused = await stack.http.post("/staff/v1/locations", json=body, headers=admin)
        assert refused.status_code in (409, 422), (change, refused.text)
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["errors"][0]["field"] == field, (change, refused.json())
    unknown_field = await stack.http.post(
        "/staff/v1/locations",
        json=store("BAD-02", "Gdańsk", "80-001", 1, 1) | {"id": "x"},
        headers=admin,
    )
    assert unknown_field.status_code == 422
    # Nothing of a refused location was written.
    gdansk = await stack.http.get("/staff/v1/locations", params={"city": "Gdańsk"}, headers=admin)
    assert gdansk.json()["locations"] == []


async def lists_filter_by_kind_and_city_and_page_by_code(stack, admin):
    async def codes(**params: Any) -> list[str]:
        reply = await stack.http.get("/staff/v1/locations", params=params, headers=admin)
        assert reply.status_code == 200, reply.text
        return [location["code"] for location in reply.json()["locations"]]

    assert await codes() == ["DC-01", "KRK-01", "WAW-01", "WAW-02"]
    assert await codes(kind="warehouse") == ["DC-01"]
    assert await codes(city="WARSZAWA") == ["WAW-01", "WAW-02"]
    assert await codes(city="krakow") == ["KRK-01"]  # diacritics folded
    assert await codes(kind="store", city="lodz") == []
    walked, token = [], None
    while True:
        params: dict[str, Any] = {"page_size": 1}
        if token:
            params["page_token"] = token
        page = (await stack.http.get("/staff/v1/locations", params=params, headers=admin)).json()
        walked += [location["code"] for location in page["locations"]]
        token = page["next_page_token"]
        if token is None:
            break
    assert walked == ["DC-01", "KRK-01", "WAW-01", "WAW-02"]


async def store_staff_read_only_their_own(stack, ids):
    ala = await stack.staff_member("ala", "associate", [ids["WAW-01"]])
    mine = await stack.http.get("/staff/v1/locations", headers=ala)
    assert [location["code"] for location in mine.json()["locations"]] == ["WAW-01"]
    assert (
        await stack.http.get(f"/staff/v1/locations/{ids['WAW-01']}", headers=ala)
    ).status_code == 200
    assert (
        await stack.http.get(f"/staff/v1/locations/{ids['KRK-01']}", headers=ala)
    ).status_code == 403
    writes = [
        stack.http.post(
            "/staff/v1/locations", json=store("ALA-01", "Opole", "45-001", 50, 17), headers=ala
        ),
        stack.http.patch(
            f"/staff/v1/locations/{ids['WAW-01']}",
            json={"name": "Mine now"},
            headers=ala | {"If-Match": '"1"'},
        ),
    ]
    for write in writes:
        assert (await write).status_code == 403


async def changes_need_the_version_and_closing_keeps_the_location(stack, admin, ids):
    path = f"/staff/v1/locations/{ids['WAW-02']}"
    unversioned = await stack.http.patch(path, json={"name": "Mokotów"}, headers=admin)
    assert (unversioned.status_code, unversioned.json()["errors"][0]["field"]) == (422, "If-Match")
    changed = await stack.http.patch(
        path,
        json={"name": "Omni Mokotów", "flags": {"click_and_collect": True, "ship_to_store": True}},
        headers=admin | {"If-Match": '"1"'},
    )
    assert changed.status_code == 200, changed.text
    assert changed.headers["etag"] == '"2"'
    assert changed.json()["name"] == "Omni Mokotów"
    assert changed.json()["flags"]["ship_to_store"] is True
    assert changed.json()["address"]["city"] == "Warszawa"  # fields not named stay
    stale = await stack.http.patch(
        path, json={"name": "Lost update"}, headers=admin | {"If-Match": '"1"'}
    )
    assert stale.status_code == 409
    bad_zone = await stack.http.patch(
        path, json={"time_zone": "Europe/Nowhere"}, headers=admin | {"If-Match": '"2"'}
    )
    assert (bad_zone.status_code, bad_zone.json()["errors"][0]["field"]) == (422, "time_zone")

    sundays = [{"weekday": "sunday", "opens": "10:00", "closes": "14:00"}]
    rehoured = await stack.http.patch(
        path, json={"opening_hours": sundays}, headers=admin | {"If-Match": '"2"'}
    )
    assert rehoured.status_code == 200, rehoured.text
    assert rehoured.json()["opening_hours"] == sundays  # the new hours replace the week's

    closed = await stack.http.patch(
        path, json={"status": "closed"}, headers=admin | {"If-Match": '"3"'}
    )
    assert (closed.status_code, closed.json()["status"]) == (200, "closed")
    listed = await stack.http.get("/staff/v1/locations", params={"city": "Warszawa"}, headers=admin)
    assert [location["code"] for location in listed.json()["locations"]] == ["WAW-01"]
    with_closed = await stack.http.get(
        "/staff/v1/locations", params={"city": "Warszawa", "include_closed": "true"}, headers=admin
    )
    assert [(x["code"], x["status"]) for x in with_closed.json()["locations"]] == [
        ("WAW-01", "open"),
        ("WAW-02", "closed"),
    ]
    assert (await stack.http.get(path, headers=admin)).json()["status"] == "closed"
    assert (await stack.http.delete(path, headers=admin)).status_code == 405


async def shoppers_find_pickup_points_with_stock(stack, admin, ids):
    received = await stack.http.post(
        f"/staff/v1/inventory/stores/{ids['WAW-01']}/receipts",
        json={"lines": [{"sku": "MUG", "quantity": 4}], "reference": "WZ/2026/001"},
        headers=admin,
    )
    assert received.status_code == 201, received.text

    by_postcode = await stack.http.get(
        "/api/v1/pickup-points", params={"postal_code": "00-950", "sku": "MUG"}
    )
    assert by_postcode.status_code == 200, by_postcode.text
    points = by_postcode.json()["pickup_points"]
    # 00-950 shares "00" with WAW-01 only; WAW-02 is closed, the warehouse has no pickup.
    assert [(p["location"]["code"], p["available"], p["in_stock"]) for p in points] == [
        ("WAW-01", 4, True)
    ]
    place = points[0]["location"]
    assert (place["opening_hours"][0]["opens"], place["time_zone"]) == ("09:00", "Europe/Warsaw")
    assert place["opening_exceptions"][1]["date"] == "2026-12-25"
    assert place["address"]["lines"] == ["Rynek 1"]
    assert points[0]["distance_km"] is None

    in_city = await stack.http.get("/api/v1/pickup-points", params={"city": "Kraków", "sku": "MUG"})
    assert [(p["location"]["code"], p["in_stock"]) for p in in_city.json()["pickup_points"]] == [
        ("KRK-01", False)
    ]
    around = await stack.http.get(
        "/api/v1/pickup-points", params={"lat": 50.07, "lng": 19.95, "radius_km": 400}
    )
    found = around.json()["pickup_points"]
    assert [p["location"]["code"] for p in found] == ["KRK-01", "WAW-01"]
    assert found[0]["distance_km"] < 2 < found[1]["distance_km"]
    assert found[0]["available"] is None
    nothing = await stack.http.get("/api/v1/pickup-points")
    assert (nothing.status_code, nothing.json()["errors"][0]["field"]) == (422, "postal_code")
