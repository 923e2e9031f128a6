"""Sessions: an access token for a principal, and refresh tokens that rotate (a reused one
revokes its whole family)."""

from __future__ import annotations

from dataclasses import replace

from litestar.datastructures import State
from litestar.exceptions import ClientException, NotAuthorizedException, NotFoundException

from omni_gateway.security.accounts import AccountError
from omni_gateway.security.principals import Kind, Principal
from omni_gateway.views.account import Session, SessionList, SignedInSession
from omni_kit.ids import new_id


async def issue_session(state: State, principal: Principal, refresh: bool = True) -> Session:
    """A new signed-in session (with a refresh token) or, without `refresh`, an access token
    alone (anonymous visitors)."""
    refresh_token = None
    if refresh:
        principal = replace(principal, session_id=new_id("ses"))
        refresh_token = await state.accounts.issue_refresh(principal, principal.session_id)
    return Session(
        access_token=state.tokens.issue(principal),
        token_type="Bearer",  # noqa: S106 - the OAuth token type, not a secret
        expires_in=int(state.tokens.access_ttl.total_seconds()),
        subject=principal.id,
        refresh_token=refresh_token,
    )


async def rotate_session(state: State, token: str, *, staff: bool) -> Session:
    """A new session for a refresh token of this API (staff or customer), which it replaces."""
    try:
        grant = await state.accounts.rotate_refresh(token)
    except AccountError:
        raise NotAuthorizedException(
            "the refresh token is invalid, expired or already used"
        ) from None
    if (grant.principal.kind is Kind.STAFF) != staff:
        raise NotAuthorizedException("this refresh token belongs to another API")
    session = await issue_session(state, grant.principal, refresh=False)
    session.refresh_token = grant.token
    return session


async def live_sessions(state: State, principal: Principal) -> SessionList:
    """The caller's signed-in sessions, newest first (ASVS 3.3.4)."""
    records = await state.accounts.sessions_of(principal.kind, principal.id)
    sessions = []
    for record in records:
        # Tokens from before sessions were dated: issued a refresh TTL before they expire.
        issued = record.get("issued_at") or record["expires_at"] - state.accounts.refresh_ttl
        sessions.append(
            SignedInSession(
                id=record["family"],
                signed_in_at=record.get("signed_in_at") or issued,
                last_refreshed_at=issued,
                expires_at=record["expires_at"],
                current=record["family"] == principal.session_id,
                second_factor=bool(record.get("mfa")),
            )
        )
    return SessionList(sessions=sessions)


async def end_session(state: State, principal: Principal, session_id: str) -> None:
    """Sign out one of the caller's sessions: its refresh token stops working at once, and the
    access tokens it issued expire within their lifetime (15 minutes)."""
    if not await state.accounts.end_session(principal.kind, principal.id, session_id):
        raise NotFoundException(f"no session {session_id!r} of yours")


def wrong_current_password() -> ClientException:
    """The answer to a password change whose current password is wrong (customer or staff)."""
    return ClientException(
        "the current password is wrong",
        status_code=400,
        extra={
            "code": "WRONG_PASSWORD",
            "errors": [{"field": "current_password", "message": "wrong"}],
        },
    )


def invalid_code(detail: str) -> ClientException:
    """The answer to a one-time code that is wrong (e-mailed, or from an authenticator app)."""
    return ClientException(
        detail,
        status_code=400,
        extra={"code": "INVALID_CODE", "errors": [{"field": "code", "message": "invalid"}]},
    )
