"""Staff sessions: sign in with a username and password, refresh."""

from __future__ import annotations

from litestar import Controller, post
from litestar.datastructures import State
from litestar.exceptions import NotAuthorizedException

from omni_gateway.security.accounts import AccountError
from omni_gateway.security.sessions import issue_session, rotate_session
from omni_gateway.views.account import RefreshRequest, Session, StaffCredentials


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
