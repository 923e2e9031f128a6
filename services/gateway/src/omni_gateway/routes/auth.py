"""Sessions: customers register and sign in, visitors get an anonymous session, staff sign in.
Access tokens are short-lived JWTs; refresh tokens rotate and a reused one revokes its family."""

from __future__ import annotations

from typing import Annotated

import msgspec
from email_validator import EmailNotValidError, validate_email
from litestar import Controller, post
from litestar.datastructures import State
from litestar.exceptions import ClientException, NotAuthorizedException, ValidationException

from omni.customer.v1 import customer_pb2
from omni_gateway.security.accounts import AccountError, AccountExists
from omni_gateway.security.principals import Kind, Principal
from omni_kit.ids import new_id

Password = Annotated[str, msgspec.Meta(min_length=10, max_length=256)]


class Registration(msgspec.Struct, forbid_unknown_fields=True):
    email: Annotated[str, msgspec.Meta(max_length=254)]
    password: Password
    display_name: Annotated[str, msgspec.Meta(max_length=200)] = ""


class Credentials(msgspec.Struct, forbid_unknown_fields=True):
    email: Annotated[str, msgspec.Meta(max_length=254)]
    password: Annotated[str, msgspec.Meta(max_length=256)]


class StaffCredentials(msgspec.Struct, forbid_unknown_fields=True):
    username: Annotated[str, msgspec.Meta(max_length=100)]
    password: Annotated[str, msgspec.Meta(max_length=256)]


class RefreshRequest(msgspec.Struct, forbid_unknown_fields=True):
    refresh_token: Annotated[str, msgspec.Meta(max_length=200)]


class Session(msgspec.Struct):
    access_token: str
    token_type: str
    expires_in: int
    subject: str
    refresh_token: str | None = None


def _email(value: str) -> str:
    try:
        return validate_email(value, check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise ValidationException(
            "invalid e-mail", extra=[{"key": "email", "message": str(error)}]
        ) from None


async def _session(state: State, principal: Principal, refresh: bool = True) -> Session:
    return Session(
        access_token=state.tokens.issue(principal),
        token_type="Bearer",  # noqa: S106 - the OAuth token type, not a secret
        expires_in=int(state.tokens.access_ttl.total_seconds()),
        subject=principal.id,
        refresh_token=await state.accounts.issue_refresh(principal) if refresh else None,
    )


class CustomerAuth(Controller):
    path = "/api/v1/auth"
    tags = ["auth"]

    @post("/register", summary="Create a customer account and sign in", status_code=201)
    async def register(self, state: State, data: Registration) -> Session:
        email = _email(data.email)
        identity = customer_pb2.Identity(kind=customer_pb2.IDENTITY_KIND_EMAIL, value=email)
        found = await state.downstream.call(
            state.downstream.customer.FindOrCreateProfile,
            customer_pb2.FindOrCreateProfileRequest(
                identity=identity, display_name=data.display_name
            ),
            idempotent=True,
        )
        try:
            principal = await state.accounts.register_customer(
                email, data.password, found.profile.id
            )
        except AccountExists:
            raise ClientException(
                "an account with this e-mail already exists; sign in instead",
                status_code=409,
                extra={
                    "code": "ACCOUNT_EXISTS",
                    "errors": [{"field": "email", "message": "taken"}],
                },
            ) from None
        return await _session(state, principal)

    @post("/token", summary="Sign in with e-mail and password", status_code=200)
    async def token(self, state: State, data: Credentials) -> Session:
        try:
            principal = await state.accounts.sign_in_customer(_email(data.email), data.password)
        except (AccountError, ValidationException):
            raise NotAuthorizedException("wrong e-mail or password") from None
        return await _session(state, principal)

    @post(
        "/anonymous", summary="Start an anonymous session (a cart before sign-in)", status_code=201
    )
    async def anonymous(self, state: State) -> Session:
        return await _session(state, Principal(Kind.ANONYMOUS, new_id("anon")), refresh=False)

    @post("/refresh", summary="Exchange a refresh token for a new session", status_code=200)
    async def refresh(self, state: State, data: RefreshRequest) -> Session:
        return await _rotate(state, data.refresh_token, staff=False)

    @post("/logout", summary="Revoke a refresh token", status_code=204)
    async def logout(self, state: State, data: RefreshRequest) -> None:
        await state.accounts.revoke_refresh(data.refresh_token)


class StaffAuth(Controller):
    path = "/staff/v1/auth"
    tags = ["staff auth"]

    @post("/token", summary="Staff sign-in", status_code=200)
    async def token(self, state: State, data: StaffCredentials) -> Session:
        try:
            principal = await state.accounts.sign_in_staff(data.username, data.password)
        except AccountError:
            raise NotAuthorizedException("wrong username or password") from None
        return await _session(state, principal)

    @post("/refresh", summary="Exchange a staff refresh token for a new session", status_code=200)
    async def refresh(self, state: State, data: RefreshRequest) -> Session:
        return await _rotate(state, data.refresh_token, staff=True)


async def _rotate(state: State, token: str, *, staff: bool) -> Session:
    try:
        grant = await state.accounts.rotate_refresh(token)
    except AccountError:
        raise NotAuthorizedException(
            "the refresh token is invalid, expired or already used"
        ) from None
    if (grant.principal.kind is Kind.STAFF) != staff:
        raise NotAuthorizedException("this refresh token belongs to another API")
    session = await _session(state, grant.principal, refresh=False)
    session.refresh_token = grant.token
    return session
