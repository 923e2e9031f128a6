"""Customer accounts and sessions: register, prove the e-mail address, sign in, anonymous
visitor sessions, refresh, sign out (here or everywhere), change and reset the password.

The lifecycle (docs/api.md, "Accounts and sessions"): registering creates an unverified account
on a fresh profile and e-mails a code; signed in unverified, the customer sees only that
profile; the code (or a password reset, which reaches the same mailbox) proves the address and
links the account to the profile that holds it (account_lifecycle.py). No answer says whether
an address has an account: registering one that has answers the same way (a session on a fresh
profile with no account behind it) and e-mails the address's owner a notice instead; a reset
request always answers 202. Messages are sent after the answer, so its timing does not tell.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from email_validator import EmailNotValidError, validate_email
from litestar import Controller, Response, post
from litestar.background_tasks import BackgroundTask
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import NotAuthorizedException, ValidationException

from omni_gateway import account_lifecycle as lifecycle
from omni_gateway import account_messages as messages
from omni_gateway.context import channel_ref
from omni_gateway.security import dependencies as auth
from omni_gateway.security.account_codes import Purpose
from omni_gateway.security.accounts import AccountError, AccountExists
from omni_gateway.security.password_policy import refuse_guessable
from omni_gateway.security.passwords import hash_off_loop
from omni_gateway.security.principals import Channel, Kind, Principal
from omni_gateway.security.sessions import (
    invalid_code,
    issue_session,
    rotate_session,
    wrong_current_password,
)
from omni_gateway.views.account import (
    Credentials,
    PasswordChange,
    PasswordResetConfirmation,
    PasswordResetRequest,
    RefreshRequest,
    Registration,
    Session,
    VerificationCode,
)
from omni_kit.ids import new_id

SIGNED_IN = {"principal": Provide(auth.customer)}
BEARER: list[dict[str, list[str]]] = [{"bearerAuth": []}]


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

    @post(
        "/register",
        summary="Create a customer account (unverified, on a fresh profile) and sign in",
        status_code=201,
        dependencies={"via": Provide(auth.frontend_channel)},
    )
    async def register(self, state: State, via: Channel, data: Registration) -> Response[Session]:
        email = _email(data.email)
        await refuse_guessable(data.password, email, data.display_name)
        existing = await state.accounts.customer_account(email)
        customer_id = await lifecycle.fresh_profile(
            state, email, data.display_name, channel_ref(via)
        )
        if existing is None:
            try:
                principal = await state.accounts.register_customer(
                    email, data.password, customer_id
                )
            except AccountExists:  # registered at the same moment
                existing = await state.accounts.customer_account(email)
        if existing is not None:
            # The same work and the same answer as a new account; the owner hears of it.
            await hash_off_loop(data.password)
            principal = Principal(Kind.CUSTOMER, customer_id)
            task = BackgroundTask(
                lifecycle.send, state, existing["customer_id"], messages.REGISTRATION_NOTICE
            )
        else:
            account = await state.accounts.customer_account(email)
            task = BackgroundTask(lifecycle.send_verification, state, account)
        session = await issue_session(state, principal)
        return Response(session, status_code=201, background=task)

    @post(
        "/verify-email",
        summary="Prove my e-mail address with the code sent to it",
        status_code=200,
        dependencies=SIGNED_IN,
        security=BEARER,
    )
    async def verify_email(
        self, state: State, principal: Principal, data: VerificationCode
    ) -> Session:
        account = await state.accounts.account_of(principal.id)
        if account is None or not await state.account_codes.check_verification(
            account["_id"], data.code, state.settings.verification_max_attempts
        ):
            raise invalid_code("the code is wrong, expired or used up; ask for a new one")
        return await issue_session(state, await lifecycle.link_proven_address(state, account))

    @post(
        "/verify-email/send",
        summary="Send a new verification code to my e-mail address",
        status_code=202,
        dependencies=SIGNED_IN,
        security=BEARER,
    )
    async def send_verification(self, state: State, principal: Principal) -> Response[None]:
        account = await state.accounts.account_of(principal.id)
        task = None
        if account is not None and not account.get("verified"):
            task = BackgroundTask(lifecycle.send_verification, state, account)
        return Response(None, status_code=202, background=task)

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

    @post(
        "/logout-all",
        summary="Sign out everywhere: every refresh and access token of my account",
        status_code=204,
        dependencies=SIGNED_IN,
        security=BEARER,
    )
    async def logout_all(self, state: State, principal: Principal) -> None:
        account = await state.accounts.account_of(principal.id)
        if account is None:  # a session without an account: only its refresh tokens exist
            await state.accounts.refresh_tokens.delete_many(
                {"kind": Kind.CUSTOMER.value, "subject": principal.id}
            )
            return
        await _end_sessions(state, account)

    @post(
        "/password",
        summary="Change my password; every other session ends",
        status_code=200,
        dependencies=SIGNED_IN,
        security=BEARER,
    )
    async def change_password(
        self, state: State, principal: Principal, data: PasswordChange
    ) -> Response[Session]:
        account = await state.accounts.account_of(principal.id)
        try:
            await state.accounts.check_customer_password(account, data.current_password)
        except AccountError:
            raise wrong_current_password() from None
        assert account is not None
        await refuse_guessable(data.new_password, account["_id"], field="new_password")
        await state.accounts.set_customer_password(account["_id"], data.new_password)
        await state.account_codes.forget(account["_id"], Purpose.PASSWORD_RESET)
        generation = await _end_sessions(state, account)
        current = Principal(Kind.CUSTOMER, account["customer_id"], generation=generation)
        task = BackgroundTask(
            lifecycle.send, state, account["customer_id"], messages.PASSWORD_CHANGED
        )
        return Response(await issue_session(state, current), status_code=200, background=task)

    @post(
        "/password-reset",
        summary="E-mail a password-reset code (answers 202 whether or not the account exists)",
        status_code=202,
    )
    async def password_reset(self, state: State, data: PasswordResetRequest) -> Response[None]:
        try:
            email = _email(data.email)
        except ValidationException:
            return Response(None, status_code=202)
        return Response(None, status_code=202, background=BackgroundTask(_send_reset, state, email))

    @post(
        "/password-reset/confirm",
        summary="Choose a new password with the code from the reset e-mail; every session ends",
        status_code=204,
    )
    async def confirm_password_reset(self, state: State, data: PasswordResetConfirmation) -> None:
        await refuse_guessable(data.new_password, field="new_password")  # before the code is spent
        email = await state.account_codes.redeem_reset(data.code)
        account = await state.accounts.customer_account(email) if email else None
        if account is None:
            raise invalid_code("the code is wrong, expired or used up; ask for a new one")
        await state.accounts.set_customer_password(email, data.new_password)
        if account.get("verified"):
            await _end_sessions(state, account)
        else:  # the code reached the address: that proves it
            await lifecycle.link_proven_address(state, account)
        account = await state.accounts.customer_account(email) or account
        await lifecycle.send(state, account["customer_id"], messages.PASSWORD_CHANGED)


async def _end_sessions(state: State, account: dict[str, Any]) -> int:
    generation: int = await state.accounts.end_sessions(account)
    state.session_generations.forget(
        account["customer_id"], *account.get("former_customer_ids", [])
    )
    return generation


async def _send_reset(state: State, email: str) -> None:
    account = await state.accounts.customer_account(email)
    if account is None:
        return
    ttl = state.settings.password_reset_ttl_seconds
    code = await state.account_codes.issue(Purpose.PASSWORD_RESET, email, timedelta(seconds=ttl))
    await lifecycle.send(
        state,
        account["customer_id"],
        messages.PASSWORD_RESET,
        {"token": code, "expires_minutes": str(ttl // 60)},
    )
