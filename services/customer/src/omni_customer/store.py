"""The customer service's collections, indexes and queries."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

INDEXES = {
    "profiles": [IndexModel([("identities.value", ASCENDING)])],
    # _id is the identity key: each identity belongs to at most one profile.
    "identities": [IndexModel([("profile_id", ASCENDING)])],
}


class ProfileStore:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self.profiles = db["profiles"]
        self.identities = db["identities"]

    async def get(self, profile_id: str) -> dict[str, Any] | None:
        return await self.profiles.find_one({"_id": profile_id})

    async def owner_of(self, key: str) -> str | None:
        found = await self.identities.find_one({"_id": key})
        return None if found is None else str(found["profile_id"])

    async def insert(
        self, profile: dict[str, Any], identity_keys: list[str], session: AsyncClientSession
    ) -> None:
        await self.profiles.insert_one(profile, session=session)
        await self.identities.insert_many(
            [{"_id": key, "profile_id": profile["_id"]} for key in identity_keys], session=session
        )
