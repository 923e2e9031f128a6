"""Customer and staff accounts, and rotating refresh tokens (stored hashed, revocable).

A customer account is keyed by its e-mail address and starts unverified on a fresh profile of
its own; proving the address moves it to the profile holding the address (security/
verification.py). Its session generation, carried in its access tokens, ends every session at
once when raised (security/revocation.py).
Passwords are hashed on worker threads (security/passwords.py) and their hashes brought up to
date at the next successful sign-in."""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from cachetools import TTLCache
from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from omni_gateway.security.passwords import check_off_loop, hash_off_loop
from omni_gateway.security.principals import Kind, Principal, StaffRole
from omni_gateway.store import Db
from omni_kit.ids import new_id, utcnow

MAX_SESSIONS = 100


class AccountError(Exception):
    """Sign-in refused; deliberately vague so it does not reveal which accounts exist."""


class AccountExists(Exception):
    pass


@dataclass(frozen=True)
class RefreshGrant:
    token: str
    principal: Principal  # with its session id


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def customer_principal(account: dict[str, Any]) -> Principal:
    return Principal(
        Kind.CUSTOMER,
        str(account["customer_id"]),
        generation=int(account.get("session_generation", 0)),
    )


class Accounts:
    def __init__(
        self,
        db: Db,
        refresh_ttl: timedelta,
        session_max_age: timedelta = timedelta(days=90),
        live_cache_seconds: float = 0,
    ) -> None:
        self.customers = db["customer_accounts"]
        self.staff = db["staff_users"]
        self.refresh_tokens = db["refresh_tokens"]
        self.refresh_ttl = refresh_ttl
        self.session_max_age = session_max_age
        # Refresh tokens seen live, kept as briefly as session generations are
        # (security/revocation.py: the same bound); forgotten when this process ends a session.
        self._live: TTLCache[str, bool] | None = (
            TTLCache(maxsize=50_000, ttl=live_cache_seconds) if live_cache_seconds > 0 else None
        )

    async def register_customer(self, email: str, password: str, customer_id: str) -> Principal:
        """A new account, unverified, on `customer_id` (a fresh profile)."""
        hashed = await hash_off_loop(password)
        try:
            await self.customers.insert_one(
                {
                    "_id": email,
                    "customer_id": customer_id,
                    "password": hashed,
                    "verified": False,
                    "session_generation": 0,
                    "created_at": utcnow(),
                }
            )
        except DuplicateKeyError:
            raise AccountExists(email) from None
        return Principal(Kind.CUSTOMER, customer_id)

    async def sign_in_customer(self, email: str, password: str) -> Principal:
        account = await self.customers.find_one({"_id": email})
        await self._check_password(self.customers, account, password)
        assert account is not None
        return customer_principal(account)

    async def customer_account(self, email: str) -> dict[str, Any] | None:
        return await self.customers.find_one({"_id": email})

    async def account_of(self, customer_id: str) -> dict[str, Any] | None:
        """The account signed in as this profile now, or as it before its e-mail was proven;
        None for a session without an account."""
        return await self.customers.find_one(
            {"$or": [{"customer_id": customer_id}, {"former_customer_ids": customer_id}]}
        )

    async def check_customer_password(self, account: dict[str, Any], password: str) -> None:
        """AccountError unless `password` is the account's."""
        await self._check_password(self.customers, account, password)

    async def set_customer_password(self, email: str, password: str) -> None:
        hashed = await hash_off_loop(password)
        await self.customers.update_one(
            {"_id": email}, {"$set": {"password": hashed, "password_updated_at": utcnow()}}
        )

    async def mark_verified(self, email: str, customer_id: str, former_id: str | None) -> None:
        """The address is proven; the account now signs in as `customer_id` (the profile holding
        the address, when it moved there from `former_id`)."""
        changes: dict[str, Any] = {
            "$set": {"verified": True, "verified_at": utcnow(), "customer_id": customer_id}
        }
        if former_id is not None and former_id != customer_id:
            changes["$addToSet"] = {"former_customer_ids": former_id}
        await self.customers.update_one({"_id": email}, changes)

    async def end_sessions(self, account: dict[str, Any]) -> int:
        """Sign the account out everywhere: its refresh tokens are deleted and its session
        generation raised, so access tokens issued before are refused too. Returns the new
        generation."""
        updated = await self.customers.find_one_and_update(
            {"_id": account["_id"]},
            {"$inc": {"session_generation": 1}},
            return_document=ReturnDocument.AFTER,
        )
        subjects = [account["customer_id"], *account.get("former_customer_ids", [])]
        if updated is not None:
            subjects.append(updated["customer_id"])
        await self.refresh_tokens.delete_many(
            {"kind": Kind.CUSTOMER.value, "subject": {"$in": sorted(set(subjects))}}
        )
        self._forget_live()
        return int(updated.get("session_generation", 0)) if updated is not None else 0

    async def create_staff(
        self,
        username: str,
        password: str,
        role: StaffRole,
        store_ids: list[str],
        session: AsyncClientSession | None = None,
        *,
        temporary_password: bool = False,
    ) -> Principal:
        """A new staff user; with `temporary_password` (one an admin chose) they must choose
        their own at their first sign-in."""
        user_id = new_id("staff")
        hashed = await hash_off_loop(password)
        try:
            await self.staff.insert_one(
                {
                    "_id": user_id,
                    "username": username,
                    "password": hashed,
                    "role": role.value,
                    "store_ids": sorted(set(store_ids)),
                    "password_change_required": temporary_password,
                    "created_at": utcnow(),
                },
                session=session,
            )
        except DuplicateKeyError:
            raise AccountExists(username) from None
        return Principal(Kind.STAFF, user_id, role=role, store_ids=frozenset(store_ids))

    async def ensure_admin(self, username: str, password: str) -> bool:
        """Create the first admin unless a staff user exists; True if this call created it."""
        if await self.staff.count_documents({}, limit=1) == 0:
            with contextlib.suppress(AccountExists):  # another replica created it first
                await self.create_staff(username, password, StaffRole.ADMIN, [])
                return True
        return False

    async def sign_in_staff(self, username: str, password: str) -> dict[str, Any]:
        """The active staff user with this username and password; AccountError otherwise."""
        user = await self.staff.find_one({"username": username})
        await self._check_password(self.staff, user, password)
        assert user is not None
        self.staff_principal(user)  # refuses a deactivated user
        return user

    async def staff_user(self, user_id: str) -> dict[str, Any] | None:
        return await self.staff.find_one({"_id": user_id})

    async def staff_page(self, after: str, limit: int) -> list[dict[str, Any]]:
        """Staff users by username, the page after `after` (an index range)."""
        cursor = self.staff.find({"username": {"$gt": after}}).sort("username", 1).limit(limit)
        return [user async for user in cursor]

    async def other_active_admin(self, user_id: str) -> bool:
        found = await self.staff.find_one(
            {"role": StaffRole.ADMIN.value, "_id": {"$ne": user_id}, "active": {"$ne": False}},
            {"_id": 1},
        )
        return found is not None

    async def change_staff(self, user_id: str, changes: dict[str, Any]) -> dict[str, Any] | None:
        """Apply `changes` (role, store_ids, active, password) and end every session of the
        user: their refresh tokens go and older access tokens are refused. None if unknown."""
        updated = await self.staff.find_one_and_update(
            {"_id": user_id},
            {"$set": {**changes, "updated_at": utcnow()}, "$inc": {"session_generation": 1}},
            return_document=ReturnDocument.AFTER,
        )
        if updated is not None:
            await self.refresh_tokens.delete_many({"kind": Kind.STAFF.value, "subject": user_id})
            self._forget_live()
        return updated

    async def check_staff_password(self, user: dict[str, Any], password: str) -> None:
        """AccountError unless `password` is the staff user's."""
        await self._check_password(self.staff, user, password)

    @staticmethod
    async def _check_password(
        collection: AsyncCollection[dict[str, Any]], record: dict[str, Any] | None, password: str
    ) -> None:
        """AccountError unless the password is right. An unknown account costs the same hashing
        work as a known one; an outdated hash is replaced (unless it changed meanwhile)."""
        stored = record["password"] if record is not None else None
        verdict = await check_off_loop(password, stored)
        if not verdict.ok or record is None:
            raise AccountError
        if verdict.new_hash is not None:
            await collection.update_one(
                {"_id": record["_id"], "password": stored},
                {"$set": {"password": verdict.new_hash, "password_updated_at": utcnow()}},
            )

    async def issue_refresh(
        self, principal: Principal, family: str | None = None, signed_in_at: datetime | None = None
    ) -> str:
        """A refresh token of a new session (or of `family`, signed in at `signed_in_at`); it
        expires after the refresh TTL, and never later than the session's maximum age."""
        token = secrets.token_urlsafe(32)
        now = utcnow()
        signed_in_at = signed_in_at or now
        await self.refresh_tokens.insert_one(
            {
                "_id": _digest(token),
                "family": family or new_id("fam"),
                "kind": principal.kind.value,
                "subject": principal.id,
                "used": False,
                "mfa": principal.mfa,
                "signed_in_at": signed_in_at,
                "issued_at": now,
                "expires_at": min(now + self.refresh_ttl, signed_in_at + self.session_max_age),
            }
        )
        return token

    async def rotate_refresh(self, token: str) -> RefreshGrant:
        """Exchange a refresh token for a new one. Reusing a spent token revokes its whole family
        (a stolen token raced the owner), so both parties must sign in again."""
        record = await self.refresh_tokens.find_one_and_update(
            {"_id": _digest(token), "used": False, "expires_at": {"$gt": utcnow()}},
            {"$set": {"used": True}},
        )
        self._forget_live()
        if record is None:
            spent = await self.refresh_tokens.find_one({"_id": _digest(token)})
            if spent is not None:
                await self.refresh_tokens.delete_many({"family": spent["family"]})
            raise AccountError
        # Tokens from before sessions had an age start their count at this refresh.
        signed_in_at = record.get("signed_in_at") or utcnow()
        if signed_in_at + self.session_max_age <= utcnow():
            raise AccountError  # the session is too old, however recently refreshed
        principal = await self._current_principal(record["kind"], record["subject"])
        # As signed in: with or without a second factor, in the same session.
        principal = replace(principal, mfa=bool(record.get("mfa")), session_id=record["family"])
        token = await self.issue_refresh(principal, record["family"], signed_in_at)
        return RefreshGrant(token, principal)

    async def sessions_of(self, kind: Kind, subject: str) -> list[dict[str, Any]]:
        """The live sessions of a subject, newest first: each one's unspent refresh token."""
        live = {
            "subject": subject,
            "kind": kind.value,
            "used": False,
            "expires_at": {"$gt": utcnow()},
        }
        return await self.refresh_tokens.find(live).sort("signed_in_at", -1).to_list(MAX_SESSIONS)

    async def end_session(self, kind: Kind, subject: str, session_id: str) -> bool:
        """Sign out one session of the subject (its refresh tokens); False if it has none."""
        ended = await self.refresh_tokens.delete_many(
            {"family": session_id, "subject": subject, "kind": kind.value}
        )
        self._forget_live()
        return ended.deleted_count > 0

    async def refresh_live(self, token: str) -> bool:
        """Whether this refresh token is unspent and unexpired: its session has not ended."""
        key = _digest(token)
        if self._live is not None and key in self._live:
            return True
        live = {"_id": key, "used": False, "expires_at": {"$gt": utcnow()}}
        found = await self.refresh_tokens.find_one(live, {"_id": 1}) is not None
        if found and self._live is not None:
            self._live[key] = True
        return found

    async def revoke_refresh(self, token: str) -> None:
        record = await self.refresh_tokens.find_one({"_id": _digest(token)})
        if record is not None:
            await self.refresh_tokens.delete_many({"family": record["family"]})
        self._forget_live()

    def _forget_live(self) -> None:
        if self._live is not None:
            self._live.clear()

    async def _current_principal(self, kind: str, subject: str) -> Principal:
        if kind == Kind.STAFF:
            return self.staff_principal(await self.staff.find_one({"_id": subject}))
        if kind == Kind.CUSTOMER:
            account = await self.account_of(subject)
            if account is not None:  # the profile it signs in as now, and its generation
                return customer_principal(account)
        return Principal(Kind(kind), subject)

    @staticmethod
    def staff_principal(user: dict[str, Any] | None) -> Principal:
        """The principal of an active staff user; AccountError for one deactivated or gone."""
        if user is None or not user.get("active", True):
            raise AccountError
        stores = user.get("store_ids") or []
        if not isinstance(stores, list):
            raise AccountError
        return Principal(
            Kind.STAFF,
            str(user["_id"]),
            role=StaffRole(str(user["role"])),
            store_ids=frozenset(str(store) for store in stores),
            generation=int(user.get("session_generation", 0)),
            password_change_required=bool(user.get("password_change_required")),
        )
