"""Staff sessions: sign in with a username and password, refresh, sign out (here or
everywhere), change the password. Ending sessions raises the user's session generation, so
access tokens issued before are refused too (security/revocation.py)."""

from __future__ import annotations

from litestar import Controller, post
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import NotAuthorizedException

from omni_gateway.security import dependencies as auth
from omni_gateway.security.accounts import AccountError
from omni_gateway.security.password_policy import refuse_guessable
from omni_gateway.security.passwords import hash_off_loop
from omni_gateway.security.principals import Kind, Principal
from omni_gateway.security.sessions import (
    issue_session,
    rotate_session,
    wrong_current_password,
)
from omni_gateway.views.account import PasswordChange, RefreshRequest, Session, StaffCredentials

SIGNED_IN = {"principal": Provide(auth.staff)}
BEARER: list[dict[str, list[str]]] = [{"bearerAuth": []}]


class StaffAuth(Controller):
    path = "/staff/v1/auth"
    tags = ["staff auth"]

    @post("/token", summary="Staff sign-in", status_code=200)
    async def token(self, state: State, data: StaffCredentials) -> Session:
        try:
            principal = await state.accounts.sign_in_staff(data.username, data.password)
        except AccountError:
            raise NotAuthorizedException("wrong username or password") from None
        return await issue_session(state, principal)

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
        dependencies=SIGNED_IN,
        security=BEARER,
    )
    async def logout_all(self, state: State, principal: Principal) -> None:
        await state.accounts.change_staff(principal.id, {})
        state.session_generations.forget(principal.id, kind=Kind.STAFF)

    @post(
        "/password",
        summary="Change my password; every other session ends",
        status_code=200,
        dependencies=SIGNED_IN,
        security=BEARER,
    )
    async def change_password(
        self, state: State, principal: Principal, data: PasswordChange
    ) -> Session:
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
        updated = await state.accounts.change_staff(principal.id, {"password": hashed})
        state.session_generations.forget(principal.id, kind=Kind.STAFF)
        try:
            current = state.accounts.staff_principal(updated)
        except AccountError:
            raise NotAuthorizedException("this staff account is deactivated") from None
        return await issue_session(state, current)
