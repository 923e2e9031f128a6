"""Refusing a customer's access tokens before they expire.

Access tokens are stateless JWTs (15 minutes by default). Each customer token carries its
account's session generation (claim `gen`); signing out everywhere, changing or resetting the
password, and proving the e-mail address raise the account's generation, and a token with an
older one is refused.

Checking costs one indexed read of the account per profile, kept for
`session_check_cache_seconds` (5 by default) in a small per-process cache. The bound: a change
made on one gateway replica refuses older tokens there at once (the replica forgets its copy) and
on every other replica within that many seconds. 0 reads the account on every request.
A session with no account behind it (a registration for an address that already has an account
gets one, see docs/api.md) has nothing to revoke.
"""

from __future__ import annotations

from cachetools import TTLCache

from omni_gateway.security.accounts import Accounts

MAX_ENTRIES = 50_000
_UNKNOWN = object()


class SessionGenerations:
    def __init__(self, accounts: Accounts, ttl_seconds: float) -> None:
        self.accounts = accounts
        self._cache: TTLCache[str, int | None] | None = (
            TTLCache(maxsize=MAX_ENTRIES, ttl=ttl_seconds) if ttl_seconds > 0 else None
        )

    async def current(self, customer_id: str) -> int | None:
        """The session generation of the account signed in as this profile (now or before its
        address was proven); None without an account."""
        if self._cache is not None:
            cached = self._cache.get(customer_id, _UNKNOWN)
            if cached is not _UNKNOWN:
                return cached  # type: ignore[return-value]
        account = await self.accounts.account_of(customer_id)
        generation = None if account is None else int(account.get("session_generation", 0))
        if self._cache is not None:
            self._cache[customer_id] = generation
        return generation

    async def accepts(self, customer_id: str, generation: int) -> bool:
        current = await self.current(customer_id)
        return current is None or generation >= current

    def forget(self, *customer_ids: str) -> None:
        if self._cache is not None:
            for customer_id in customer_ids:
                self._cache.pop(customer_id, None)
