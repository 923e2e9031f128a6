"""Staff sessions: sign in with a username, password and (once enrolled) a TOTP code, refresh,
sign out (here or everywhere), change the password, enrol a second factor. Ending sessions
raises the user's session generation, so access tokens issued before are refused too
(security/revocation.py)."""

from __future__ import annotations

from dataclasses import replace

from litestar import Controller, post
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import ClientException, NotAuthorizedException

from omni_gateway.security import dependencies as auth
from omni_gateway.security.accounts import AccountError
from omni_gateway.security.password_policy import refuse_guessable
from omni_gateway.security.passwords import hash_off_loop
from omni_gateway.security.principals import Kind, Principal
from omni_gateway.security.second_factor import SecondFactors
from omni_gateway.security.sessions import (
    invalid_code,
    issue_session,
    rotate_session,
    wrong_current_password,
)
from omni_gateway.views.account import (
    PasswordChange,
    RefreshRequest,
    SecondFactorCode,
    SecondFactorEnrolment,
    Session,
    StaffCredentials,
)

OWN_ACCOUNT = {"principal": Provide(auth.staff_own_account)}
BEARER: list[dict[str, list[str]]] = [{"bearerAuth": []}]


async def sign_in(state: State, data: StaffCredentials) -> Session:
    """A new staff session for a username, password and (once enrolled) a TOTP code: the API's
    sign-in and the console's."""
    try:
        user = await state.accounts.sign_in_staff(data.username, data.password)
    except AccountError:
        raise NotAuthorizedException("wrong username or password") from None
    principal = state.accounts.staff_principal(user)
    if SecondFactors.enrolled(user):
        if not data.otp:
            raise NotAuthorizedException(
                "a code from your authenticator app is required (otp)",
                extra={"code": "SECOND_FACTOR_CODE_REQUIRED"},
            )
        if not await state.second_factors.verify(user, data.otp):
            raise NotAuthorizedException("wrong username, password or code")
        principal = replace(principal, mfa=True)
    return await issue_session(state, principal)


async def change_password(state: State, principal: Principal, data: PasswordChange) -> Session:
    """A staff member's own new password (the API's and the console's); every other session of
    theirs ends, and this answers the new one."""
    user = await state.accounts.staff_user(principal.id)
    try:
        if user is None:
            raise AccountError
        await state.accounts.check_staff_password(user, data.current_password)
    except AccountError:
        raise wrong_current_password() from None
    assert user is not None
    await refuse_guessable(data.new_password, user["username"], field="new_password")
    hashed = await hash_off_loop(data.new_password)
    updated = await state.accounts.change_staff(
        principal.id, {"password": hashed, "password_change_required": False}
    )
    state.session_generations.forget(principal.id, kind=Kind.STAFF)
    try:
        current = state.accounts.staff_principal(updated)
    except AccountError:
        raise NotAuthorizedException("this staff account is deactivated") from None
    return await issue_session(state, current)


class StaffAuth(Controller):
    path = "/staff/v1/auth"
    tags = ["staff auth"]

    @post(
        "/token",
        summary="Staff sign-in (with `otp` once a second factor is enrolled)",
        status_code=200,
    )
    async def token(self, state: State, data: StaffCredentials) -> Session:
        return await sign_in(state, data)

    @post(
        "/second-factor",
        summary="Enrol a second factor (TOTP): a new secret for an authenticator app",
        status_code=201,
        dependencies=OWN_ACCOUNT,
        security=BEARER,
    )
    async def enrol(self, state: State, principal: Principal) -> SecondFactorEnrolment:
        user = await state.accounts.staff_user(principal.id)
        if user is None or SecondFactors.enrolled(user):
            raise ClientException(
                "a second factor is enrolled already; an admin can remove it",
                status_code=409,
                extra={"code": "SECOND_FACTOR_ENROLLED"},
            )
        secret, uri = await state.second_factors.start(user)
        return SecondFactorEnrolment(secret=secret, otpauth_uri=uri)

    @post(
        "/second-factor/confirm",
        summary="Confirm the second factor with a code from the app; answers a session using it",
        status_code=200,
        dependencies=OWN_ACCOUNT,
        security=BEARER,
    )
    async def confirm_second_factor(
        self, state: State, principal: Principal, data: SecondFactorCode
    ) -> Session:
        user = await state.accounts.staff_user(principal.id)
        if user is None or not await state.second_factors.confirm(user, data.code):
            raise invalid_code("the code does not match the secret being enrolled")
        return await issue_session(state, replace(principal, mfa=True))

    @post("/refresh", summary="Exchange a staff refresh token for a new session", status_code=200)
    async def refresh(self, state: State, data: RefreshRequest) -> Session:
        return await rotate_session(state, data.refresh_token, staff=True)

    @post("/logout", summary="Revoke a staff refresh token", status_code=204)
    async def logout(self, state: State, data: RefreshRequest) -> None:
        await state.accounts.revoke_refresh(data.refresh_token)

    @post(
        "/logout-all",
        summary="Sign out everywhere: every refresh and access token of my staff account",
        status_code=204,
        dependencies=OWN_ACCOUNT,
        security=BEARER,
    )
    async def logout_all(self, state: State, principal: Principal) -> None:
        await state.accounts.change_staff(principal.id, {})
        state.session_generations.forget(principal.id, kind=Kind.STAFF)

    @post(
        "/password",
        summary="Change my password; every other session ends",
        status_code=200,
        dependencies=OWN_ACCOUNT,
        security=BEARER,
    )
    async def change_password(
        self, state: State, principal: Principal, data: PasswordChange
    ) -> Session:
        return await change_password(state, principal, data)
