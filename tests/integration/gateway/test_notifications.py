"""Notifications through the gateway: templates for admins, messages from consultants, and a
customer's own back-in-stock subscriptions (another customer's are refused)."""

from __future__ import annotations

import asyncio
import json

import pytest

SENT = "sent"


@pytest.fixture(autouse=True)
def local_sink(tmp_path, monkeypatch):
    """The stack's notification service writes its messages here (its `make dev` sink)."""
    monkeypatch.setenv("OMNI_NOTIFICATION_SINK_DIR", str(tmp_path / "sink"))
    return tmp_path / "sink" / "messages.jsonl"


async def test_notifications_for_staff_and_customers_through_the_gateway(stack, local_sink):
    # One stack for both audiences: starting it is most of the cost.
    await admins_manage_templates_and_a_consultant_messages_a_customer(stack, local_sink)
    await customers_manage_only_their_own_back_in_stock_subscriptions(stack)


async def staff_user(stack, username: str, role: str, stores: tuple[str, ...] = ()) -> dict:
    created = await stack.http.post(
        "/staff/v1/users",
        json={
            "username": username,
            "password": "long-enough-pw",
            "role": role,
            "store_ids": list(stores),
        },
        headers=await stack.admin(),
    )
    assert created.status_code == 201, created.text
    return await stack.staff_login(username, "long-enough-pw")


async def admins_manage_templates_and_a_consultant_messages_a_customer(stack, local_sink):
    admin = await stack.admin()
    consultant = await staff_user(stack, "cora", "consultant")
    template = {
        "event_type": "staff.apology",
        "channel": "email",
        "language": "en",
        "subject": "Sorry, {{ customer_name }}",
        "body": "Please use {{ voucher }} next time.",
    }
    refused = await stack.http.post(
        "/staff/v1/notification-templates", json=template, headers=consultant
    )
    assert refused.status_code == 403

    bad = await stack.http.post(
        "/staff/v1/notification-templates",
        json={**template, "body": "Use {{ vouchr }}", "event_type": "omni.order.order.shipped"},
        headers=admin,
    )
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert bad.json()["errors"][0]["field"] == "template.body"
    assert bad.json()["metadata"]["variable"] == "vouchr"

    saved = await stack.http.post("/staff/v1/notification-templates", json=template, headers=admin)
    assert saved.status_code == 200, saved.text
    template_id = saved.json()["id"]
    assert saved.json()["variables"] == ["customer_name", "voucher"]
    preview = await stack.http.post(
        "/staff/v1/notification-templates/preview",
        json={
            "template_id": template_id,
            "variables": {"customer_name": "Ana", "voucher": "V10"},
            "language": "de",
        },
        headers=admin,
    )
    assert preview.status_code == 200, preview.text
    assert preview.json()["subject"] == "Sorry, Ana"
    assert preview.json()["language"] == "en"
    listed = await stack.http.get(
        "/staff/v1/notification-templates", params={"event_type": "staff.apology"}, headers=admin
    )
    assert [t["id"] for t in listed.json()["templates"]] == [template_id]

    _, session = await stack.customer("ana@example.com")
    customer_id = session["subject"]
    message = {"template_id": template_id, "variables": {"voucher": "V10"}}
    sent = await stack.http.post(
        f"/staff/v1/customers/{customer_id}/notifications",
        json=message,
        headers=consultant | {"Idempotency-Key": "apology-1"},
    )
    assert sent.status_code == 202, sent.text
    assert sent.json()["status"] == "queued"
    replay = await stack.http.post(
        f"/staff/v1/customers/{customer_id}/notifications",
        json=message,
        headers=consultant | {"Idempotency-Key": "apology-1"},
    )
    assert replay.json()["id"] == sent.json()["id"]

    manager = await staff_user(stack, "sam", "store_manager", ("store-1",))
    page = await stack.http.get(f"/staff/v1/customers/{customer_id}/notifications", headers=manager)
    # Newest first; the one before it is the code that proved Ana's address.
    listed = page.json()["notifications"]
    assert [n["id"] for n in listed][:1] == [sent.json()["id"]]
    assert [n["event_type"] for n in listed[1:]] == ["omni.gateway.account.verify_email"]
    not_allowed = await stack.http.post(
        f"/staff/v1/customers/{customer_id}/notifications", json={"body": "hi"}, headers=manager
    )
    assert not_allowed.status_code == 403

    for _ in range(200):
        page = await stack.http.get(
            f"/staff/v1/customers/{customer_id}/notifications", headers=consultant
        )
        if page.json()["notifications"][0]["status"] == SENT:
            break
        await asyncio.sleep(0.1)
    delivered = page.json()["notifications"][0]
    assert delivered["status"] == SENT, delivered
    assert delivered["recipient"] == "ana@example.com"
    # The other line is the code that proved Ana's address at registration.
    sent = [json.loads(row) for row in local_sink.read_text().splitlines()]
    [line] = [row for row in sent if row["subject"] != "Your verification code"]
    assert line["to"] == "ana@example.com"
    assert line["subject"].startswith("Sorry,")
    assert line["body"] == "Please use V10 next time."

    empty = await stack.http.post(
        f"/staff/v1/customers/{customer_id}/notifications", json={}, headers=consultant
    )
    assert empty.status_code == 422
    assert empty.json()["errors"][0]["field"] == "body"
    # A number no double holds is the caller's mistake, not a 500.
    huge = {"template_id": template_id, "variables": {"voucher": 10**400}}
    for url in (
        "/staff/v1/notification-templates/preview",
        f"/staff/v1/customers/{customer_id}/notifications",
    ):
        refused = await stack.http.post(url, json=huge, headers=admin)
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["field"] == "variables"
    nul = {"body": "hi", "variables": {"a\u0000b": 1}}  # no stored document can hold the key
    refused = await stack.http.post(
        f"/staff/v1/customers/{customer_id}/notifications", json=nul, headers=consultant
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "variables"
    deleted = await stack.http.delete(
        f"/staff/v1/notification-templates/{template_id}", headers=admin
    )
    assert deleted.status_code == 204
    gone = await stack.http.get(f"/staff/v1/notification-templates/{template_id}", headers=admin)
    assert gone.status_code == 404


async def customers_manage_only_their_own_back_in_stock_subscriptions(stack):
    cleo, _ = await stack.customer("cleo@example.com")
    dora, _ = await stack.customer("dora@example.com")

    created = await stack.http.post(
        "/api/v1/me/back-in-stock-subscriptions",
        json={"sku": "LS-M", "location_id": "store-1", "contact_channel": "sms"},
        headers=cleo | {"X-Omni-Channel": "app"},
    )
    assert created.status_code == 201, created.text
    subscription = created.json()
    assert subscription["status"] == "active"
    assert subscription["channel"] == "app"
    again = await stack.http.post(
        "/api/v1/me/back-in-stock-subscriptions",
        json={"sku": "LS-M", "location_id": "store-1"},
        headers=cleo,
    )
    assert again.json()["id"] == subscription["id"]

    mine = await stack.http.get("/api/v1/me/back-in-stock-subscriptions", headers=cleo)
    assert [s["id"] for s in mine.json()["subscriptions"]] == [subscription["id"]]
    theirs = await stack.http.get("/api/v1/me/back-in-stock-subscriptions", headers=dora)
    assert theirs.json()["subscriptions"] == []

    path = f"/api/v1/me/back-in-stock-subscriptions/{subscription['id']}"
    assert (await stack.http.get(path, headers=dora)).status_code == 404
    stolen = await stack.http.delete(path, headers=dora)
    assert stolen.status_code == 404
    assert (await stack.http.get(path, headers=cleo)).json()["status"] == "active"

    cancelled = await stack.http.delete(path, headers=cleo)
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    twice = await stack.http.delete(path, headers=cleo)
    assert twice.status_code == 409

    bad = await stack.http.post(
        "/api/v1/me/back-in-stock-subscriptions", json={"sku": ""}, headers=cleo
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "sku"
    wrong_status = await stack.http.get(
        "/api/v1/me/back-in-stock-subscriptions", params={"status": "maybe"}, headers=cleo
    )
    assert wrong_status.status_code == 422
    staff = await stack.admin()
    assert (
        await stack.http.get("/api/v1/me/back-in-stock-subscriptions", headers=staff)
    ).status_code == 401
