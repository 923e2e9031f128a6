"""Customer sessions: register, sign in, anonymous visitor sessions, refresh and sign out."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from litestar import Controller, post
from litestar.datastructures import State
from litestar.exceptions import ClientException, NotAuthorizedException, ValidationException

from omni.customer.v1 import customer_pb2
from omni_gateway.security.accounts import AccountError, AccountExists
from omni_gateway.security.principals import Kind, Principal
from omni_gateway.security.sessions import issue_session, rotate_session
from omni_gateway.views.account import Credentials, RefreshRequest, Registration, Session
from omni_kit.ids import new_id


def _email(value: str) -> str:
    try:
        return validate_email(value, check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise ValidationException(
            "invalid e-mail", extra=[{"key": "email", "message": str(error)}]
        ) from None


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
        return await issue_session(state, principal)

    @post("/token", summary="Sign in with e-mail and password", status_code=200)
    async def token(self, state: State, data: Credentials) -> Session:
        try:
            principal = await state.accounts.sign_in_customer(_email(data.email), data.password)
        except (AccountError, ValidationException):
            raise NotAuthorizedException("wrong e-mail or password") from None
        return await issue_session(state, principal)

    @post(
        "/anonymous", summary="Start an anonymous session (a cart before sign-in)", status_code=201
    )
    async def anonymous(self, state: State) -> Session:
        return await issue_session(state, Principal(Kind.ANONYMOUS, new_id("anon")), refresh=False)

    @post("/refresh", summary="Exchange a refresh token for a new session", status_code=200)
    async def refresh(self, state: State, data: RefreshRequest) -> Session:
        return await rotate_session(state, data.refresh_token, staff=False)

    @post("/logout", summary="Revoke a refresh token", status_code=204)
    async def logout(self, state: State, data: RefreshRequest) -> None:
        await state.accounts.revoke_refresh(data.refresh_token)
