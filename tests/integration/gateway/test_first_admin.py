"""The first admin, as the chart wires it (OMNI_GATEWAY_ADMIN_USERNAME / _PASSWORD from a
Secret): created by the gateway at its first start, once; later starts change nothing."""

from __future__ import annotations

import httpx


def sign_in(base: str, username: str, password: str) -> int:
    reply = httpx.post(
        f"{base}/staff/v1/auth/token",
        json={"username": username, "password": password},
        timeout=15,
    )
    return reply.status_code


def test_the_gateway_creates_the_first_admin_once(start_gateway):
    first = start_gateway(admin_username="owner", admin_password="First password 1")
    assert sign_in(first, "owner", "First password 1") == 200
    assert sign_in(first, "admin", "First password 1") == 401

    # A later start (another replica, a restart after the Secret changed) finds a staff user
    # and creates nobody: the password an admin has since set is not reset by the Secret.
    again = start_gateway(admin_username="owner", admin_password="Second password 2")
    assert sign_in(again, "owner", "First password 1") == 200
    assert sign_in(again, "owner", "Second password 2") == 401
