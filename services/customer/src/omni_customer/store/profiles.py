"""Profiles and the identity index (one document per identity key: the unique index)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from omni_customer.domain.identities import IdentityKind
from omni_customer.domain.profiles import Profile, ProfileStatus
from omni_customer.store.documents import enum_name, profile_document, to_profile
from omni_kit import keyset, text
from omni_kit.errors import Conflict, InvalidArgument, NotFound

Session = AsyncClientSession | None

INDEXES = {
    "profiles": [
        IndexModel([("identities.value", ASCENDING)]),
        IndexModel([("merged_into_id", ASCENDING)]),
        IndexModel([("status", ASCENDING), ("_id", ASCENDING)]),
        # Staff search by name: every prefix of every folded name word (omni_kit.text).
        IndexModel([("search", ASCENDING), ("_id", ASCENDING)]),
    ],
    # _id is the identity key: each identity belongs to at most one profile.
    "identities": [IndexModel([("profile_id", ASCENDING)])],
}
MAX_MERGE_HOPS = 16
ACTIVE = enum_name(ProfileStatus.ACTIVE)
STATUSES = [enum_name(status) for status in ProfileStatus]
IDS = keyset.id_axis("cus")
EMAIL = enum_name(IdentityKind.EMAIL)
MAX_QUERY = 100


def search_words(document: Mapping[str, Any]) -> list[str]:
    """The words staff find a profile by: its names and the local part of its e-mails."""
    parts = [document.get(name, "") for name in ("display_name", "given_name", "family_name")]
    for identity in document.get("identities", []):
        if identity.get("kind") == EMAIL:
            parts.append(str(identity.get("value", "")).split("@", 1)[0])
    return text.words(" ".join(part for part in parts if part), latin=True)


def stored(profile: Profile) -> dict[str, Any]:
    return with_search(profile_document(profile))


def with_search(document: dict[str, Any]) -> dict[str, Any]:
    """The profile document with the words staff find it by."""
    return {**document, "search": text.prefixes(search_words(document))}


class ProfileStore:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self.profiles = db["profiles"]
        self.identities = db["identities"]

    async def get(self, profile_id: str, session: Session = None) -> Profile | None:
        document = await self.profiles.find_one({"_id": profile_id}, session=session)
        return None if document is None else to_profile(document)

    async def surviving(
        self, profile_id: str, session: Session = None, *, field: str = "profile_id"
    ) -> Profile:
        """The profile, following merges to the one that survived."""
        if not profile_id:
            raise InvalidArgument(f"{field} is required", field=field)
        current = profile_id
        for _ in range(MAX_MERGE_HOPS):
            profile = await self.get(current, session)
            if profile is None:
                raise NotFound(
                    f"no profile with id {profile_id!r}",
                    reason="PROFILE_NOT_FOUND",
                    field=field,
                )
            if not profile.merged_into_id:
                return profile
            current = profile.merged_into_id
        raise NotFound(f"profile {profile_id!r} has a merge chain too long to follow")

    async def merged_into(self, profile_id: str, session: Session = None) -> list[Profile]:
        """Every profile merged (directly or through others) into this one."""
        found: list[Profile] = []
        frontier = [profile_id]
        while frontier:
            cursor = self.profiles.find({"merged_into_id": {"$in": frontier}}, session=session)
            batch = [to_profile(document) async for document in cursor]
            found.extend(batch)
            frontier = [profile.id for profile in batch]
        return found

    async def insert(
        self, profile: Profile, keys: Iterable[str], session: AsyncClientSession
    ) -> None:
        await self.profiles.insert_one(stored(profile), session=session)
        await self.claim(keys, profile.id, session)

    async def save(
        self, profile: Profile, previous_version: int, session: AsyncClientSession
    ) -> None:
        """Replace the stored profile if it is still at `previous_version`."""
        result = await self.profiles.replace_one(
            {"_id": profile.id, "version": previous_version}, stored(profile), session=session
        )
        if result.matched_count != 1:
            raise Conflict(
                f"profile {profile.id!r} changed while this request ran; retry",
                reason="CONCURRENT_UPDATE",
            )

    async def owner_of(self, key: str, session: Session = None) -> str | None:
        found = await self.identities.find_one({"_id": key}, session=session)
        return None if found is None else str(found["profile_id"])

    async def claim(
        self, keys: Iterable[str], profile_id: str, session: AsyncClientSession
    ) -> None:
        """Index identities to the profile; a key owned already raises DuplicateKeyError."""
        # One insert each: insert_many would wrap the duplicate in a BulkWriteError.
        for key in keys:
            await self.identities.insert_one(
                {"_id": key, "profile_id": profile_id}, session=session
            )

    async def release(self, keys: Iterable[str], session: AsyncClientSession) -> None:
        await self.identities.delete_many({"_id": {"$in": list(keys)}}, session=session)

    async def reassign(
        self, keys: Iterable[str], profile_id: str, session: AsyncClientSession
    ) -> None:
        await self.identities.update_many(
            {"_id": {"$in": list(keys)}}, {"$set": {"profile_id": profile_id}}, session=session
        )

    async def search(
        self, query: str, include_merged: bool, after_id: str | None, limit: int
    ) -> list[Profile]:
        """Profiles with a name word (or e-mail name) starting with each word of `query`, folded
        (case, diacritics; Cyrillic also by its Latin spelling), by id; every profile when the
        query has no words."""
        if len(query) > MAX_QUERY:
            raise InvalidArgument(f"query is at most {MAX_QUERY} characters", field="query")
        asked = text.query_words(query)
        statuses = STATUSES if include_merged else [ACTIVE]
        if asked:
            branches = [{"search": asked[0][: text.MAX_PREFIX]}]

            def keep(document: dict[str, Any]) -> bool:
                return document.get("status") in statuses and text.matches(
                    asked, search_words(document)
                )

        else:
            branches = [{"status": status} for status in statuses]
            keep = None  # type: ignore[assignment]
        found = await keyset.page(
            self.profiles,
            branches,
            IDS,
            limit=limit,
            descending=False,
            after=None if after_id is None else (after_id, after_id),
            keep=keep,
        )
        return [to_profile(document) for document in found]

    async def index_names(self) -> int:
        """Give every stored profile its search words (profiles stored before they existed, or
        under older folding rules); returns how many changed. Safe beside live writes: a profile
        changed meanwhile is left to the write that changed it."""
        changed = 0
        fields = {"display_name": 1, "given_name": 1, "family_name": 1, "identities": 1}
        cursor = self.profiles.find({}, {**fields, "search": 1, "version": 1})
        async for document in cursor:
            words = text.prefixes(search_words(document))
            if document.get("search") == words:
                continue
            result = await self.profiles.update_one(
                {"_id": document["_id"], "version": document.get("version")},
                {"$set": {"search": words}},
            )
            changed += result.modified_count
        return changed
