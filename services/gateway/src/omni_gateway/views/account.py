"""Accounts and credentials: sessions (tokens), staff users, partners and their API keys, and the
bodies that make them. A new API key's secret is shown once, in the reply that issues it; no
password or key hash ever leaves the gateway."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from omni_gateway.security.api_keys import Scope
from omni_gateway.security.principals import StaffRole
from omni_gateway.views.common import View

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._@-]+$")]
Password = Annotated[str, msgspec.Meta(min_length=10, max_length=256)]
GivenPassword = Annotated[str, msgspec.Meta(max_length=256)]
Email = Annotated[str, msgspec.Meta(max_length=254)]
StoreId = Annotated[str, msgspec.Meta(max_length=64)]
StoreIds = Annotated[list[StoreId], msgspec.Meta(max_length=100)]


class Session(View):
    """An access token (a short-lived JWT) and, for signed-in callers, a refresh token."""

    access_token: str
    token_type: str
    expires_in: int
    subject: str
    refresh_token: str | None = None


class SignedInSession(View):
    """A session signed in somewhere (a device, a browser), alive while its refresh token is."""

    id: str
    signed_in_at: datetime
    last_refreshed_at: datetime
    expires_at: datetime
    # The session of the access token asking.
    current: bool
    # Staff: signed in with a second factor.
    second_factor: bool = False


class SessionList(View):
    sessions: list[SignedInSession]


class Registration(View):
    email: Email
    password: Password
    display_name: Annotated[str, msgspec.Meta(max_length=200)] = ""


class Credentials(View):
    email: Email
    password: GivenPassword


class VerificationCode(View):
    """The six-digit code sent to the account's e-mail address."""

    code: Annotated[str, msgspec.Meta(pattern=r"^[0-9]{6}$")]


class PasswordResetRequest(View):
    email: Email


class PasswordResetConfirmation(View):
    """The code from the password-reset e-mail, and the new password."""

    code: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    new_password: Password


class PasswordChange(View):
    current_password: GivenPassword
    new_password: Password


OneTimeCode = Annotated[str, msgspec.Meta(max_length=10)]


class StaffCredentials(View):
    username: Annotated[str, msgspec.Meta(max_length=100)]
    password: GivenPassword
    # The current code of the member's authenticator app, once they have enrolled one.
    otp: OneTimeCode = ""


class SecondFactorEnrolment(View):
    """A new TOTP secret (shown once): add it to an authenticator app (the URI as a QR code),
    then confirm with a code from the app."""

    secret: str
    otpauth_uri: str


class SecondFactorCode(View):
    code: OneTimeCode


class RefreshRequest(View):
    refresh_token: Annotated[str, msgspec.Meta(max_length=200)]


class NewStaffUser(View):
    username: Name
    password: Password
    role: StaffRole
    store_ids: StoreIds = []


class StaffUser(View):
    id: str
    username: str
    role: StaffRole
    store_ids: list[str]
    # A deactivated user cannot sign in, and every token they hold is refused.
    active: bool = True
    # Signs in with a TOTP code as well as the password.
    second_factor: bool = False


class StaffUserPage(View):
    users: list[StaffUser]
    next_page_token: str = ""


class StaffUserChange(View):
    """The fields to change; any change ends the user's sessions (they sign in again)."""

    role: StaffRole | msgspec.UnsetType = msgspec.UNSET
    store_ids: StoreIds | msgspec.UnsetType = msgspec.UNSET
    active: bool | msgspec.UnsetType = msgspec.UNSET


class NewStaffPassword(View):
    new_password: Password


class NewPartner(View):
    name: Name


class Partner(View):
    id: str
    name: str


class NewApiKey(View):
    scopes: Annotated[list[Scope], msgspec.Meta(min_length=1, max_length=10)]
    label: Annotated[str, msgspec.Meta(max_length=100)] = ""


class ApiKey(View):
    """An issued key as listed: never its secret."""

    id: str
    scopes: list[Scope]
    label: str
    created_at: datetime


class PartnerKeys(View):
    partner: Partner
    keys: list[ApiKey]


class PartnerPage(View):
    """Partners by name, each with its active keys; `next_page_token` is empty on the last."""

    partners: list[PartnerKeys]
    next_page_token: str = ""


class IssuedApiKey(View):
    """A new key: `api_key` is its secret, shown this once (only its digest is stored)."""

    id: str
    partner_id: str
    scopes: list[Scope]
    label: str
    api_key: str
