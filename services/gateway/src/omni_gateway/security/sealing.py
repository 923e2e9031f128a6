"""Secrets the gateway keeps encrypted at rest (Fernet: AES-128-CBC with HMAC-SHA256, from the
maintained `cryptography` library) under a key from the Secret: partners' webhook signing
secrets and staff members' second-factor (TOTP) secrets, each under its own derived key.

A key is rotated in two rollouts (docs/operations.md): the new key with the old one as
`previous`, which opens the old rows and reseals them under the new key at start; then without
`previous`."""

from __future__ import annotations

import base64
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pymongo.asynchronous.collection import AsyncCollection

from omni_gateway.settings import GatewaySettings
from omni_kit.logs import get_logger

log = get_logger("omni.gateway.sealing")

WEBHOOK_SECRETS = b"omni-gateway webhook signing secrets"
SECOND_FACTORS = b"omni-gateway staff second factors"
# Tests and local development only (production refuses to start without a key of its own): a
# published key, so rows written by tools and older tests stay readable there.
DEVELOPMENT_KEY = "omni-development-webhook-key-not-a-secret"


class SealError(Exception):
    """A stored secret this key cannot open (the key changed, or the value was altered)."""


def fernet(key: str, purpose: bytes) -> Fernet:
    # The setting is any long random text; Fernet wants 32 bytes, so derive them.
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(
        key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(derived))


class SecretBox:
    """Seals under `key`; opens what `key` or `previous` sealed."""

    def __init__(
        self, key: str, previous: str | None = None, purpose: bytes = WEBHOOK_SECRETS
    ) -> None:
        self._current = fernet(key, purpose)
        older = [fernet(previous, purpose)] if previous else []
        self._keys = MultiFernet([self._current, *older])

    @classmethod
    def from_settings(cls, settings: GatewaySettings, purpose: bytes) -> SecretBox:
        key = settings.webhook_secret_key
        previous = settings.webhook_secret_previous_key
        return cls(
            key.get_secret_value() if key else DEVELOPMENT_KEY,
            previous.get_secret_value() if previous else None,
            purpose,
        )

    def seal(self, secret: str) -> str:
        return self._current.encrypt(secret.encode()).decode()

    def open(self, sealed: str) -> str:
        try:
            return self._keys.decrypt(sealed.encode()).decode()
        except InvalidToken:
            raise SealError from None

    def sealed_by_current(self, sealed: str) -> bool:
        try:
            self._current.decrypt(sealed.encode())
        except InvalidToken:
            return False
        return True


async def reseal(
    collection: AsyncCollection[dict[str, Any]], field: str, box: SecretBox, query: dict[str, Any]
) -> int:
    """Reseal under the current key every `field` of the rows `query` finds that the previous
    key sealed (a few rows: partners' webhooks, staff with a second factor); safe on every
    replica. Returns how many changed."""
    resealed = 0
    async for row in collection.find(query, {field: 1}):
        sealed = row.get(field)
        if not isinstance(sealed, str) or box.sealed_by_current(sealed):
            continue
        try:
            secret = box.open(sealed)
        except SealError:
            log.error("sealed_secret_unreadable", collection=collection.name, id=row["_id"])
            continue
        result = await collection.update_one(
            {"_id": row["_id"], field: sealed}, {"$set": {field: box.seal(secret)}}
        )
        resealed += result.modified_count
    return resealed
