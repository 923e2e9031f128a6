"""Signed access tokens (JWT, HS256) for customers, anonymous visitors and staff.

Each token names its key in the `kid` header. The signer signs with the current key and accepts
the current and one previous key, so a rotation logs no one out; a `kid` of neither is refused.
A token without `kid` (issued before tokens carried one) is checked against the current key."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

import jwt

from omni_gateway.security.principals import Kind, Principal, StaffRole
from omni_kit.ids import utcnow

ISSUER = "omni-gateway"
AUDIENCES = {Kind.CUSTOMER: "omni-api", Kind.ANONYMOUS: "omni-api", Kind.STAFF: "omni-staff"}


class TokenError(Exception):
    pass


def key_id(secret: str) -> str:
    """A public name for a key: it identifies the key and reveals nothing of it."""
    return hmac.new(secret.encode(), b"omni-gateway jwt key id", hashlib.sha256).hexdigest()[:16]


class TokenSigner:
    def __init__(self, secret: str, access_ttl: timedelta, previous: str | None = None) -> None:
        self.secret = secret
        self.kid = key_id(secret)
        self.access_ttl = access_ttl
        self.keys = {self.kid: secret}
        if previous and previous != secret:
            self.keys[key_id(previous)] = previous

    def issue(self, principal: Principal) -> str:
        now = utcnow()
        claims: dict[str, object] = {
            "iss": ISSUER,
            "aud": AUDIENCES[principal.kind],
            "sub": principal.id,
            "kind": principal.kind.value,
            "iat": now,
            "exp": now + self.access_ttl,
        }
        if principal.kind in (Kind.CUSTOMER, Kind.STAFF):
            claims["gen"] = principal.generation
        if principal.mfa:
            claims["amr"] = ["pwd", "otp"]  # RFC 8176 authentication methods
        if principal.session_id:
            claims["sid"] = principal.session_id
        if principal.password_change_required:
            claims["pwc"] = True
        if principal.role:
            claims["role"] = principal.role.value
            claims["stores"] = sorted(principal.store_ids)
        return jwt.encode(claims, self.secret, algorithm="HS256", headers={"kid": self.kid})

    def verify(self, token: str, audience: str) -> Principal:
        try:
            kid = jwt.get_unverified_header(token).get("kid", self.kid)
            secret = self.keys.get(kid) if isinstance(kid, str) else None
            if secret is None:
                raise TokenError("the access token is signed with an unknown key")
            claims = jwt.decode(
                token,
                secret,
                algorithms=["HS256"],
                audience=audience,
                issuer=ISSUER,
                options={"require": ["exp", "iat", "sub", "aud", "iss"]},
            )
        except jwt.ExpiredSignatureError:
            raise TokenError("the access token has expired; refresh it") from None
        except jwt.InvalidAudienceError:
            raise TokenError("this token is not valid for this API") from None
        except jwt.PyJWTError:
            raise TokenError("the access token is invalid") from None
        kind = Kind(claims.get("kind", ""))
        role = StaffRole(claims["role"]) if kind is Kind.STAFF else None
        generation = claims.get("gen", 0)
        return Principal(
            kind=kind,
            id=str(claims["sub"]),
            role=role,
            store_ids=frozenset(claims.get("stores", [])),
            generation=generation if isinstance(generation, int) else -1,
            mfa=kind is Kind.STAFF and "otp" in (claims.get("amr") or []),
            session_id=str(claims.get("sid", "")),
            password_change_required=kind is Kind.STAFF and claims.get("pwc") is True,
        )
