"""Signed access tokens (JWT, HS256) for customers, anonymous visitors and staff."""

from __future__ import annotations

from datetime import timedelta

import jwt

from omni_gateway.security.principals import Kind, Principal, StaffRole
from omni_kit.ids import utcnow

ISSUER = "omni-gateway"
AUDIENCES = {Kind.CUSTOMER: "omni-api", Kind.ANONYMOUS: "omni-api", Kind.STAFF: "omni-staff"}


class TokenError(Exception):
    pass


class TokenSigner:
    def __init__(self, secret: str, access_ttl: timedelta) -> None:
        self.secret = secret
        self.access_ttl = access_ttl

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
        if principal.role:
            claims["role"] = principal.role.value
            claims["stores"] = sorted(principal.store_ids)
        return jwt.encode(claims, self.secret, algorithm="HS256")

    def verify(self, token: str, audience: str) -> Principal:
        try:
            claims = jwt.decode(
                token,
                self.secret,
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
        return Principal(
            kind=kind,
            id=str(claims["sub"]),
            role=role,
            store_ids=frozenset(claims.get("stores", [])),
        )
