"""Partner API keys: shown once at creation, stored as a SHA-256 digest, scoped, revocable."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any, Literal

from pymongo.asynchronous.client_session import AsyncClientSession

from omni_gateway.security.principals import Kind, Principal
from omni_gateway.store import Db
from omni_kit.ids import new_id, utcnow

Scope = Literal["catalog:read", "inventory:read", "orders:read", "orders:write", "webhooks:manage"]
PREFIX = "omni_pk_"


class InvalidApiKey(Exception):
    pass


def key_id_of(raw: str) -> str | None:
    """The public id inside a key (`omni_pk_<id>.<secret>`), for rate limiting before lookup."""
    if not raw.startswith(PREFIX) or "." not in raw:
        return None
    return raw[len(PREFIX) :].split(".", 1)[0] or None


class ApiKeys:
    def __init__(self, db: Db) -> None:
        self.partners = db["partners"]
        self.keys = db["api_keys"]

    async def create(
        self,
        partner_id: str,
        scopes: list[str],
        label: str,
        session: AsyncClientSession | None = None,
    ) -> tuple[str, dict[str, object]]:
        key_id = new_id()[:16]
        secret = secrets.token_urlsafe(32)
        record = {
            "_id": key_id,
            "partner_id": partner_id,
            "scopes": sorted(set(scopes)),
            "label": label,
            "digest": hashlib.sha256(secret.encode()).hexdigest(),
            "created_at": utcnow(),
            "revoked_at": None,
        }
        await self.keys.insert_one(record, session=session)
        return f"{PREFIX}{key_id}.{secret}", record

    async def partner_page(self, after: str, limit: int) -> list[dict[str, Any]]:
        """Partners by name after `after`."""
        cursor = self.partners.find({"name": {"$gt": after}}).sort("name", 1)
        return await cursor.limit(limit).to_list(limit)

    async def active_keys(self, partner_ids: list[str]) -> list[dict[str, Any]]:
        """The unrevoked keys of these partners, oldest first."""
        keys = self.keys.find({"partner_id": {"$in": partner_ids}, "revoked_at": None})
        return await keys.sort("created_at", 1).to_list(None)

    async def authenticate(self, raw: str) -> Principal:
        key_id = key_id_of(raw)
        if key_id is None:
            raise InvalidApiKey("malformed API key")
        record = await self.keys.find_one({"_id": key_id})
        secret = raw.split(".", 1)[1]
        digest = hashlib.sha256(secret.encode()).hexdigest()
        if record is None or not hmac.compare_digest(digest, record["digest"]):
            raise InvalidApiKey("unknown API key")
        if record["revoked_at"] is not None:
            raise InvalidApiKey("this API key was revoked")
        return Principal(
            Kind.PARTNER,
            record["partner_id"],
            scopes=frozenset(record["scopes"]),
            partner_id=record["partner_id"],
            key_id=key_id,
        )

    async def revoke(self, partner_id: str, key_id: str) -> bool:
        result = await self.keys.update_one(
            {"_id": key_id, "partner_id": partner_id, "revoked_at": None},
            {"$set": {"revoked_at": utcnow()}},
        )
        return result.modified_count == 1
