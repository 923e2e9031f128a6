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
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from omni_gateway.security.passwords import check_off_loop, hash_off_loop
from omni_gateway.security.principals import Kind, Principal, StaffRole
from omni_gateway.store import Db
from omni_kit.ids import new_id, utcnow


class AccountError(Exception):
    """Sign-in refused; deliberately vague so it does not reveal which accounts exist."""


class AccountExists(Exception):
    pass


@dataclass(frozen=True)
class RefreshGrant:
    token: str
    principal: Principal


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def customer_principal(account: dict[str, Any]) -> Principal:
    return Principal(
        Kind.CUSTOMER,
        str(account["customer_id"]),
        generation=int(account.get("session_generation", 0)),
    )


class Accounts:
    def __init__(self, db: Db, refresh_ttl: timedelta) -> None:
        self.customers = db["customer_accounts"]
        self.staff = db["staff_users"]
        self.refresh_tokens = db["refresh_tokens"]
        self.refresh_ttl = refresh_ttl

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
        return int(updated.get("session_generation", 0)) if updated is not None else 0

    async def create_staff(
        self,
        username: str,
        password: str,
        role: StaffRole,
        store_ids: list[str],
        session: AsyncClientSession | None = None,
    ) -> Principal:
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

    async def sign_in_staff(self, username: str, password: str) -> Principal:
        user = await self.staff.find_one({"username": username})
        await self._check_password(self.staff, user, password)
        assert user is not None
        return self._staff_principal(user)

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

    async def issue_refresh(self, principal: Principal, family: str | None = None) -> str:
        token = secrets.token_urlsafe(32)
        await self.refresh_tokens.insert_one(
            {
                "_id": _digest(token),
                "family": family or new_id("fam"),
                "kind": principal.kind.value,
                "subject": principal.id,
                "used": False,
                "expires_at": utcnow() + self.refresh_ttl,
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
        if record is None:
            spent = await self.refresh_tokens.find_one({"_id": _digest(token)})
            if spent is not None:
                await self.refresh_tokens.delete_many({"family": spent["family"]})
            raise AccountError
        principal = await self._current_principal(record["kind"], record["subject"])
        return RefreshGrant(await self.issue_refresh(principal, record["family"]), principal)

    async def revoke_refresh(self, token: str) -> None:
        record = await self.refresh_tokens.find_one({"_id": _digest(token)})
        if record is not None:
            await self.refresh_tokens.delete_many({"family": record["family"]})

    async def _current_principal(self, kind: str, subject: str) -> Principal:
        if kind == Kind.STAFF:
            user = await self.staff.find_one({"_id": subject})
            if user is None:
                raise AccountError
            return self._staff_principal(user)
        if kind == Kind.CUSTOMER:
            account = await self.account_of(subject)
            if account is not None:  # the profile it signs in as now, and its generation
                return customer_principal(account)
        return Principal(Kind(kind), subject)

    @staticmethod
    def _staff_principal(user: dict[str, object]) -> Principal:
        stores = user.get("store_ids") or []
        if not isinstance(stores, list):
            raise AccountError
        return Principal(
            Kind.STAFF,
            str(user["_id"]),
            role=StaffRole(str(user["role"])),
            store_ids=frozenset(str(store) for store in stores),
        )
