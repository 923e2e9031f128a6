"""The customer account's life, as calls to the customer and notification services: a fresh
profile at registration, the messages sent to the account's address, and what proving the
address does (docs/api.md, "Accounts and sessions").

Proving the address (the verification code, or a password-reset code, which reached the same
mailbox) links the account to the profile holding the address as an identity:
- no profile holds it: it becomes a verified identity of the account's own profile;
- another profile holds it and no other account signs in as that profile: the account's fresh
  profile is merged into it (MergeProfiles, that profile surviving), so its orders, addresses
  and points are the customer's, and the account signs in as it from then on;
- another account already signs in as that profile: nothing merges (staff merge the profiles if
  they are one person); the account is verified on its own profile.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import grpc
from google.protobuf import struct_pb2
from litestar.datastructures import State

from omni.common.v1 import common_pb2
from omni.customer.v1 import customer_pb2 as P
from omni.notification.v1 import notification_pb2 as N
from omni_gateway.account_messages import (
    VERIFY_EMAIL,
)
from omni_gateway.security.account_codes import Purpose
from omni_gateway.security.principals import Kind, Principal
from omni_kit.idempotency import call_metadata
from omni_kit.ids import new_id
from omni_kit.logs import get_logger

log = get_logger("omni.gateway.accounts")

SYSTEM = common_pb2.Actor(kind=common_pb2.ACTOR_KIND_SYSTEM, id="gateway", display="accounts")
CALLER = "gateway:accounts"


def _email_identity(email: str) -> P.Identity:
    return P.Identity(kind=P.IDENTITY_KIND_EMAIL, value=email)


async def fresh_profile(
    state: State, email: str, display_name: str, channel: common_pb2.ChannelRef
) -> str:
    """A new profile holding the address only as an unverified contact."""
    reply = await state.downstream.call(
        state.downstream.customer.CreateProfile,
        P.CreateProfileRequest(
            display_name=display_name,
            unverified_contacts=[_email_identity(email)],
            channel=channel,
            actor=SYSTEM,
        ),
        idempotent=False,
        metadata=call_metadata(new_id("acct"), CALLER),
    )
    return str(reply.profile.id)


async def send(
    state: State, customer_id: str, event_type: str, variables: dict[str, Any] | None = None
) -> None:
    """A transactional e-mail from the event type's template, in the customer's language; each
    send is its own (a new key), so a repeated request sends the new code, not an old one. A
    failure is logged and not shown to the caller (the answer must not depend on it)."""
    try:
        found = await state.downstream.call(
            state.downstream.notification.ListTemplates,
            N.ListTemplatesRequest(event_type=event_type, channel=common_pb2.CONTACT_CHANNEL_EMAIL),
            idempotent=True,
        )
        if not found.templates:
            log.error("account_template_missing", event_type=event_type)
            return
        fields = struct_pb2.Struct()
        fields.update(variables or {})
        await state.downstream.call(
            state.downstream.notification.SendNotification,
            N.SendNotificationRequest(
                customer_id=customer_id,
                purpose=common_pb2.CONTACT_PURPOSE_TRANSACTIONAL,
                channel=common_pb2.CONTACT_CHANNEL_EMAIL,
                template_id=found.templates[0].id,
                variables=fields,
                urgent=True,
                actor=SYSTEM,
            ),
            idempotent=False,
            metadata=call_metadata(new_id("acct"), CALLER),
        )
    except grpc.aio.AioRpcError as error:
        log.error("account_message_failed", event_type=event_type, code=error.code().name)


async def send_verification(state: State, account: dict[str, Any]) -> None:
    settings = state.settings
    ttl = timedelta(seconds=settings.verification_code_ttl_seconds)
    code = await state.account_codes.issue(Purpose.VERIFY_EMAIL, account["_id"], ttl)
    await send(
        state,
        account["customer_id"],
        VERIFY_EMAIL,
        {"code": code, "expires_minutes": str(settings.verification_code_ttl_seconds // 60)},
    )


async def owner_of(state: State, email: str) -> str | None:
    """The profile holding the address as an identity (after merges), if any."""
    found = await state.downstream.call(
        state.downstream.customer.FindProfiles,
        P.FindProfilesRequest(identity_kind=P.IDENTITY_KIND_EMAIL, identity_value=email),
        idempotent=True,
    )
    return str(found.profiles[0].id) if found.profiles else None


async def link_proven_address(state: State, account: dict[str, Any]) -> Principal:
    """The address of `account` is proven: link it (module docstring), end the account's older
    sessions, and return the principal it signs in as from now on."""
    email, own = str(account["_id"]), str(account["customer_id"])
    actor = common_pb2.Actor(kind=common_pb2.ACTOR_KIND_CUSTOMER, id=own)
    owner = await owner_of(state, email)
    if owner is None:
        try:
            await _proven_identity(state, own, email, actor)
            owner = own
        except grpc.aio.AioRpcError as error:
            if error.code() is not grpc.StatusCode.ALREADY_EXISTS:
                raise
            owner = await owner_of(state, email)  # claimed meanwhile: link to that profile
    survivor = own
    if owner is not None and owner != own:
        other = await state.accounts.customers.find_one({"customer_id": owner})
        if other is None:
            await state.downstream.call(
                state.downstream.customer.MergeProfiles,
                P.MergeProfilesRequest(
                    survivor_id=owner,
                    merged_id=own,
                    reason="the customer proved the e-mail address of this profile",
                    actor=actor,
                ),
                idempotent=False,
                metadata=call_metadata(new_id("acct"), CALLER),
            )
            survivor = owner
            # The address recorded on that profile (at a till, say) is now proven.
            await _proven_identity(state, owner, email, actor)
        else:
            log.info("proven_address_owner_has_account", account_profile=own, owner=owner)
    await state.accounts.mark_verified(email, survivor, own)
    linked = await state.accounts.customer_account(email)
    generation = await state.accounts.end_sessions(linked or account)
    state.session_generations.forget(own, survivor)
    return Principal(Kind.CUSTOMER, survivor, generation=generation)


async def _proven_identity(
    state: State, profile_id: str, email: str, actor: common_pb2.Actor
) -> None:
    """Add the proven address to the profile, or mark it proven there (ALREADY_EXISTS when
    another profile holds it)."""
    await state.downstream.call(
        state.downstream.customer.AddIdentity,
        P.AddIdentityRequest(
            profile_id=profile_id,
            identity=P.Identity(kind=P.IDENTITY_KIND_EMAIL, value=email, verified=True),
            actor=actor,
        ),
        idempotent=False,
    )
