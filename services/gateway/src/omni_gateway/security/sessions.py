"""Sessions: an access token for a principal, and refresh tokens that rotate (a reused one
revokes its whole family)."""

from __future__ import annotations

from litestar.datastructures import State
from litestar.exceptions import ClientException, NotAuthorizedException

from omni_gateway.security.accounts import AccountError
from omni_gateway.security.principals import Kind, Principal
from omni_gateway.views.account import Session


async def issue_session(state: State, principal: Principal, refresh: bool = True) -> Session:
    return Session(
        access_token=state.tokens.issue(principal),
        token_type="Bearer",  # noqa: S106 - the OAuth token type, not a secret
        expires_in=int(state.tokens.access_ttl.total_seconds()),
        subject=principal.id,
        refresh_token=await state.accounts.issue_refresh(principal) if refresh else None,
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
