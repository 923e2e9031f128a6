"""The account messages the gateway asks the notification service to send (transactional)."""

from __future__ import annotations

VERIFY_EMAIL = "omni.gateway.account.verify_email"
PASSWORD_RESET = "omni.gateway.account.password_reset"  # noqa: S105 - an event type name
REGISTRATION_NOTICE = "omni.gateway.account.registration_notice"
PASSWORD_CHANGED = "omni.gateway.account.password_changed"  # noqa: S105 - an event type name
# Their text holds a one-time code: never shown again once sent, to staff or anyone else.
CARRY_A_CODE = frozenset({VERIFY_EMAIL, PASSWORD_RESET})
