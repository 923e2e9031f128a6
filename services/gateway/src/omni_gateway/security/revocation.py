"""Refusing customers' and staff's access tokens before they expire.

Access tokens are stateless JWTs (15 minutes by default). Each customer and staff token carries
its account's session generation (claim `gen`); signing out everywhere, changing or resetting the
password, proving the e-mail address (customers), and an admin changing a staff user's role,
stores, password or deactivating them raise the generation, and a token with an older one is
refused. A deactivated or removed staff user's tokens are all refused.

Checking costs one indexed read of the account per profile or staff user, kept for
`session_check_cache_seconds` (5 by default) in a small per-process cache. The bound: a change
made on one gateway replica refuses older tokens there at once (the replica forgets its copy) and
on every other replica within that many seconds. 0 reads the account on every request.
A session with no account behind it (a registration for an address that already has an account
gets one, see docs/api.md) has nothing to revoke.
"""

from __future__ import annotations

from cachetools import TTLCache

from omni_gateway.security.accounts import Accounts
from omni_gateway.security.principals import Kind, Principal

MAX_ENTRIES = 50_000
_UNKNOWN = object()
# A staff user who is deactivated or gone: no generation is recent enough.
REFUSED = 2**62


class SessionGenerations:
    def __init__(self, accounts: Accounts, ttl_seconds: float) -> None:
        self.accounts = accounts
        self._cache: TTLCache[tuple[Kind, str], int | None] | None = (
            TTLCache(maxsize=MAX_ENTRIES, ttl=ttl_seconds) if ttl_seconds > 0 else None
        )

    async def _read(self, kind: Kind, subject: str) -> int | None:
        if kind is Kind.STAFF:
            user = await self.accounts.staff.find_one(
                {"_id": subject}, {"session_generation": 1, "active": 1}
            )
            if user is None or not user.get("active", True):
                return REFUSED
            return int(user.get("session_generation", 0))
        # A customer: the account signed in as this profile (now or before its address was
        # proven); None for a session without an account.
        account = await self.accounts.account_of(subject)
        return None if account is None else int(account.get("session_generation", 0))

    async def current(self, kind: Kind, subject: str) -> int | None:
        key = (kind, subject)
        if self._cache is not None:
            cached = self._cache.get(key, _UNKNOWN)
            if cached is not _UNKNOWN:
                return cached  # type: ignore[return-value]
        generation = await self._read(kind, subject)
        if self._cache is not None:
            self._cache[key] = generation
        return generation

    async def accepts(self, principal: Principal) -> bool:
        if principal.kind not in (Kind.CUSTOMER, Kind.STAFF):
            return True
        current = await self.current(principal.kind, principal.id)
        return current is None or principal.generation >= current

    def forget(self, *customer_ids: str, kind: Kind = Kind.CUSTOMER) -> None:
        if self._cache is not None:
            for subject in customer_ids:
                self._cache.pop((kind, subject), None)
