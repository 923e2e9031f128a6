"""Single-use, expiring codes sent to a customer's e-mail address: a six-digit code proving the
address (tried at most `max_attempts` times) and a long code resetting the password.

Only a keyed digest of each code is stored (HMAC-SHA256 with the gateway's token key, so a copy
of the database alone does not let anyone test six-digit codes offline), with its expiry and, for
verification codes, how often it was tried. An account has at most one outstanding code per
purpose: a new one replaces the last. A code is spent by deleting it, so it works once even when
two requests race. Rotating the token key voids outstanding codes (they live minutes).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from enum import StrEnum

from pymongo import ReturnDocument

from omni_gateway.store import Db
from omni_kit.ids import utcnow


class Purpose(StrEnum):
    VERIFY_EMAIL = "verify_email"
    PASSWORD_RESET = "password_reset"  # noqa: S105 - a purpose name, not a password


class AccountCodes:
    def __init__(self, db: Db, key: str) -> None:
        self.codes = db["account_codes"]
        self.key = key.encode()

    def _digest(self, purpose: Purpose, value: str) -> str:
        return hmac.new(self.key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()

    async def issue(self, purpose: Purpose, account: str, ttl: timedelta) -> str:
        """A new code for the account, replacing any it had for this purpose."""
        if purpose is Purpose.VERIFY_EMAIL:
            code = f"{secrets.randbelow(10**6):06d}"
            digest = self._digest(purpose, f"{account}:{code}")
        else:
            code = secrets.token_urlsafe(24)
            digest = self._digest(purpose, code)
        await self.codes.replace_one(
            {"purpose": purpose.value, "account": account},
            {
                "purpose": purpose.value,
                "account": account,
                "digest": digest,
                "attempts": 0,
                "expires_at": utcnow() + ttl,
            },
            upsert=True,
        )
        return code

    async def check_verification(self, account: str, code: str, max_attempts: int) -> bool:
        """True once for the right, unexpired code. Every try counts, right or wrong; after
        `max_attempts` tries the code is void and a new one must be asked for."""
        purpose = Purpose.VERIFY_EMAIL
        record = await self.codes.find_one_and_update(
            {
                "purpose": purpose.value,
                "account": account,
                "expires_at": {"$gt": utcnow()},
                "attempts": {"$lt": max_attempts},
            },
            {"$inc": {"attempts": 1}},
            return_document=ReturnDocument.AFTER,
        )
        if record is None:
            return False
        if not hmac.compare_digest(record["digest"], self._digest(purpose, f"{account}:{code}")):
            return False
        spent = await self.codes.delete_one({"_id": record["_id"], "digest": record["digest"]})
        return spent.deleted_count == 1

    async def redeem_reset(self, code: str) -> str | None:
        """The account a password-reset code was issued for, once; None when unknown, spent or
        expired."""
        record = await self.codes.find_one_and_delete(
            {
                "purpose": Purpose.PASSWORD_RESET.value,
                "digest": self._digest(Purpose.PASSWORD_RESET, code),
                "expires_at": {"$gt": utcnow()},
            }
        )
        return None if record is None else str(record["account"])

    async def forget(self, account: str, purpose: Purpose) -> None:
        """Void the account's outstanding code for this purpose."""
        await self.codes.delete_many({"purpose": purpose.value, "account": account})
