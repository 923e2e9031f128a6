"""Who is calling: the principal each route family authenticates, and what it may touch."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    CUSTOMER = "customer"
    ANONYMOUS = "anonymous"
    STAFF = "staff"
    PARTNER = "partner"


class StaffRole(StrEnum):
    ASSOCIATE = "associate"
    STORE_MANAGER = "store_manager"
    CONSULTANT = "consultant"
    ADMIN = "admin"


STORE_ROLES = {StaffRole.ASSOCIATE, StaffRole.STORE_MANAGER}


class Channel(StrEnum):
    WEB = "web"
    APP = "app"
    POS = "pos"
    SOCIAL = "social"
    MESSENGER = "messenger"
    MARKETPLACE = "marketplace"
    PHONE = "phone"


@dataclass(frozen=True)
class Principal:
    kind: Kind
    id: str
    role: StaffRole | None = None
    store_ids: frozenset[str] = field(default_factory=frozenset)
    scopes: frozenset[str] = field(default_factory=frozenset)
    partner_id: str = ""
    key_id: str = ""
    # Customers and staff: the account's session generation when the token was issued; raising
    # it (sign out everywhere, password change or reset, a staff user's access changed) refuses
    # every older token (security/revocation.py).
    generation: int = 0
    # Staff: signed in with a second factor (a TOTP code) as well as the password.
    mfa: bool = False
    # The signed-in session (its refresh-token family) this access token belongs to.
    session_id: str = ""
    # Staff signed in with a password an admin set: they must choose their own first.
    password_change_required: bool = False

    def may_act_for_store(self, store_id: str) -> bool:
        """Store roles act only for their stores; consultants and admins for every store."""
        if self.kind is not Kind.STAFF:
            return False
        return self.role not in STORE_ROLES or store_id in self.store_ids

    @property
    def caller(self) -> str:
        """Whose idempotency keys these are: a partner's keys are the partner's, whichever of
        its API keys sends them."""
        if self.partner_id:
            return f"partner:{self.partner_id}"
        return f"{self.kind}:{self.id}"

    @property
    def rate_limit_key(self) -> str:
        return f"{self.kind}:{self.key_id or self.id}"
