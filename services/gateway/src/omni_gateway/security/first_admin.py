"""Admins made outside the API: the first one from settings when the gateway starts with no staff
user yet (OMNI_GATEWAY_ADMIN_USERNAME / _PASSWORD, from the chart's admin Secret), and any one by
hand with `omni admin create` (a lost password, a new installation), through the same code."""

from __future__ import annotations

from datetime import timedelta

from omni_gateway.security.accounts import Accounts
from omni_gateway.security.principals import Principal, StaffRole
from omni_gateway.settings import admin_password_weakness
from omni_gateway.store import INDEXES, Db
from omni_kit.logs import get_logger
from omni_kit.settings import Environment
from omni_kit.store import ensure_indexes

log = get_logger("omni.gateway")
# Only staff users are made here; refresh tokens are issued at sign-in, by the gateway.
_UNUSED_REFRESH_TTL = timedelta(days=1)


class WeakPassword(ValueError):
    pass


async def create_admin(
    db: Db, username: str, password: str, *, environment: Environment
) -> Principal:
    """A new admin; AccountExists if the username is taken, WeakPassword if production refuses
    the password (the rules of OMNI_GATEWAY_ADMIN_PASSWORD)."""
    if not username.strip():
        raise ValueError("the username is empty")
    weakness = admin_password_weakness(password, username)
    if weakness and environment == "production":
        raise WeakPassword(f"the password is refused in production: {weakness}")
    await ensure_indexes(db, {"staff_users": INDEXES["staff_users"]})
    principal = await Accounts(db, _UNUSED_REFRESH_TTL).create_staff(
        username, password, StaffRole.ADMIN, []
    )
    log.info("admin_created", username=username, staff_id=principal.id)
    return principal
