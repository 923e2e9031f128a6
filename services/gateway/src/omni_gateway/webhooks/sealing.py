"""Webhook signing secrets encrypted at rest (Fernet: AES-128-CBC with HMAC-SHA256, from the
maintained `cryptography` library) under a key from the Secret.

A key is rotated in two rollouts (docs/operations.md): the new key with the old one as
`previous`, which opens the old rows and reseals them under the new key at start; then without
`previous`."""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from omni_gateway.settings import GatewaySettings

PURPOSE = b"omni-gateway webhook signing secrets"
# Tests and local development only (production refuses to start without a key of its own): a
# published key, so rows written by tools and older tests stay readable there.
DEVELOPMENT_KEY = "omni-development-webhook-key-not-a-secret"


class SealError(Exception):
    """A stored secret this key cannot open (the key changed, or the value was altered)."""


def fernet(key: str) -> Fernet:
    # The setting is any long random text; Fernet wants 32 bytes, so derive them.
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=PURPOSE).derive(
        key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(derived))


class SecretBox:
    """Seals under `key`; opens what `key` or `previous` sealed."""

    def __init__(self, key: str, previous: str | None = None) -> None:
        self._current = fernet(key)
        self._keys = MultiFernet([self._current, *([fernet(previous)] if previous else [])])

    @classmethod
    def from_settings(cls, settings: GatewaySettings) -> SecretBox:
        key = settings.webhook_secret_key
        previous = settings.webhook_secret_previous_key
        return cls(
            key.get_secret_value() if key else DEVELOPMENT_KEY,
            previous.get_secret_value() if previous else None,
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
