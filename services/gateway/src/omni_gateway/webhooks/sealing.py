"""Webhook signing secrets encrypted at rest (Fernet: AES-128-CBC with HMAC-SHA256, from the
maintained `cryptography` library) under a key from the Secret."""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from omni_gateway.settings import GatewaySettings

PURPOSE = b"omni-gateway webhook signing secrets"
# Tests and local development only (production refuses to start without a key of its own): a
# published key, so rows written by tools and older tests stay readable there.
DEVELOPMENT_KEY = "omni-development-webhook-key-not-a-secret"


class SealError(Exception):
    """A stored secret this key cannot open (the key changed, or the value was altered)."""


class SecretBox:
    def __init__(self, key: str) -> None:
        # The setting is any long random text; Fernet wants 32 bytes, so derive them.
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=PURPOSE).derive(
            key.encode()
        )
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    @classmethod
    def from_settings(cls, settings: GatewaySettings) -> SecretBox:
        key = settings.webhook_secret_key
        return cls(key.get_secret_value() if key else DEVELOPMENT_KEY)

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode()).decode()

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken:
            raise SealError from None
