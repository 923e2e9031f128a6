"""Password hashing: argon2id with its parameters in the hash (the PHC string), worked on threads
so a sign-in never stalls the event loop.

Hashes written before argon2id (`scrypt$...`, N=2^14, parameters not stored) still verify, and
are replaced at the next successful sign-in, as are argon2 hashes made with weaker parameters than
today's. A sign-in for an account that does not exist verifies against a fixed hash, so it costs
the same work and its timing does not say whether the account exists.

With a pepper configured (`OMNI_GATEWAY_PASSWORD_PEPPER`, from the Secret, never stored with the
hashes; ASVS 2.4.5), argon2id hashes HMAC-SHA256(pepper, password) and the stored hash names the
pepper it used (`pepper:<id>$argon2id$...`), so a stolen database alone cannot be attacked
offline. A hash without the current pepper (none, or the previous one during a rotation) is
replaced at the next successful sign-in.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import argon2
from argon2.exceptions import InvalidHashError, VerificationError

# OWASP's argon2id configuration: 19 MiB, 2 passes, one lane. Each hash in flight holds its
# memory, so the pool below bounds both CPU and memory spent on hashing.
TIME_COST = 2
MEMORY_COST_KIB = 19 * 1024
PARALLELISM = 1
HASHING_THREADS = 4

_hasher = argon2.PasswordHasher(
    time_cost=TIME_COST,
    memory_cost=MEMORY_COST_KIB,
    parallelism=PARALLELISM,
    type=argon2.Type.ID,
)
_pool = ThreadPoolExecutor(max_workers=HASHING_THREADS, thread_name_prefix="password-hash")
_LEGACY_SCRYPT = (2**14, 8, 1)
# Verified when the account does not exist; its password is nobody's.
_DUMMY_HASH = (
    "$argon2id$v=19$m=19456,t=2,p=1$IUQXuN/m+GHQ7bp2bfh+tA"
    "$kGwI1QufPgh0SU39h+XA7sel/dx/O3EWc2B3sa7/FU0"
)


PEPPERED = "pepper:"


@dataclass(frozen=True)
class Peppers:
    current_id: str = ""
    keys: tuple[tuple[str, bytes], ...] = ()

    def key(self, pepper_id: str) -> bytes | None:
        return dict(self.keys).get(pepper_id)


_peppers = Peppers()


def pepper_id(pepper: str) -> str:
    """A short public name for a pepper (an HMAC of a fixed label), kept in each hash."""
    return hmac.new(pepper.encode(), b"omni password pepper", hashlib.sha256).hexdigest()[:12]


def use_peppers(current: str | None, previous: str | None = None) -> None:
    """Set once at start: hash with `current`, still verify hashes made with `previous`."""
    global _peppers
    given = [p for p in (current, previous) if p]
    _peppers = Peppers(
        current_id=pepper_id(current) if current else "",
        keys=tuple((pepper_id(p), p.encode()) for p in given),
    )


def _peppered(password: str, key: bytes) -> str:
    return base64.b64encode(hmac.new(key, password.encode(), hashlib.sha256).digest()).decode()


@dataclass(frozen=True)
class Verdict:
    ok: bool
    # Set when the password was right and its hash should be replaced by this one.
    new_hash: str | None = None


def hash_password(password: str) -> str:
    key = _peppers.key(_peppers.current_id)
    if key is None:
        return _hasher.hash(password)
    return f"{PEPPERED}{_peppers.current_id}{_hasher.hash(_peppered(password, key))}"


def verify_password(password: str, stored: str) -> bool:
    """True when `password` matches `stored` (argon2 PHC string, peppered or not, or a legacy
    scrypt hash). A hash made with a pepper this process does not have never matches."""
    if stored.startswith("scrypt$"):
        return _verify_legacy_scrypt(password, stored)
    if stored.startswith(PEPPERED):
        pepper, _, stored = stored.removeprefix(PEPPERED).partition("$")
        stored = "$" + stored
        key = _peppers.key(pepper)
        if key is None:
            return False
        password = _peppered(password, key)
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """True for a legacy hash, one without today's pepper, or an argon2 hash that is not
    argon2id or has any parameter below today's (a stronger one is kept: lowering the cost is
    not a reason to weaken it)."""
    wanted = f"{PEPPERED}{_peppers.current_id}$" if _peppers.current_id else "$"
    if not stored.startswith(wanted):
        return True
    stored = "$" + stored.split("$", 1)[1]
    if not stored.startswith("$argon2"):
        return True
    try:
        params = argon2.extract_parameters(stored)
    except InvalidHashError:
        return True
    return (
        params.type is not argon2.Type.ID
        or params.time_cost < TIME_COST
        or params.memory_cost < MEMORY_COST_KIB
        or params.parallelism < PARALLELISM
    )


def check(password: str, stored: str | None) -> Verdict:
    """Verify, and hash again when the stored hash is outdated. `stored=None` (no such account)
    does the same verification work against a fixed hash and fails."""
    if stored is None:
        verify_password(password, _DUMMY_HASH)
        return Verdict(False)
    if not verify_password(password, stored):
        return Verdict(False)
    return Verdict(True, hash_password(password) if needs_rehash(stored) else None)


async def hash_off_loop(password: str) -> str:
    return await asyncio.get_running_loop().run_in_executor(_pool, hash_password, password)


async def check_off_loop(password: str, stored: str | None) -> Verdict:
    return await asyncio.get_running_loop().run_in_executor(_pool, check, password, stored)


def _verify_legacy_scrypt(password: str, stored: str) -> bool:
    try:
        raw = base64.b64decode(stored.removeprefix("scrypt$"), validate=True)
    except (binascii.Error, ValueError):
        return False
    salt, expected = raw[:16], raw[16:]
    n, r, p = _LEGACY_SCRYPT
    digest = hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=32)
    return hmac.compare_digest(digest, expected)
