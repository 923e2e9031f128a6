"""Password hashes: argon2id with its parameters inside, legacy scrypt still verifying and marked
for rehash, outdated argon2 parameters rehashed, unknown accounts costing the same work, and the
hashing kept off the event loop."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import threading
import time
from unittest.mock import Mock

import argon2
import pytest

from omni_gateway.security import passwords


def legacy_scrypt(password: str) -> str:
    """A hash as the gateway wrote them before argon2id (N=2^14, r=8, p=1, 16-byte salt)."""
    salt = b"0123456789abcdef"
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    return "scrypt$" + base64.b64encode(salt + digest).decode()


def test_a_hash_is_an_argon2id_phc_string_carrying_its_parameters():
    stored = passwords.hash_password("correct horse battery")
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    params = argon2.extract_parameters(stored)
    assert (params.type, params.time_cost, params.memory_cost, params.parallelism) == (
        argon2.Type.ID,
        2,
        19456,
        1,
    )
    assert stored != passwords.hash_password("correct horse battery")  # salted
    assert passwords.verify_password("correct horse battery", stored)
    assert not passwords.verify_password("correct horse batterY", stored)
    assert not passwords.needs_rehash(stored)


def test_a_legacy_scrypt_hash_verifies_and_is_replaced_by_argon2id_on_success():
    old = legacy_scrypt("old password 1")
    assert passwords.verify_password("old password 1", old)
    assert not passwords.verify_password("old password 2", old)
    assert passwords.needs_rehash(old)

    verdict = passwords.check("old password 1", old)
    assert verdict.ok
    assert verdict.new_hash is not None and verdict.new_hash.startswith("$argon2id$")
    assert passwords.verify_password("old password 1", verdict.new_hash)

    refused = passwords.check("old password 2", old)
    assert refused == passwords.Verdict(False)  # a wrong password never rewrites the hash


@pytest.mark.parametrize(
    ("hasher", "outdated"),
    [
        (argon2.PasswordHasher(time_cost=1, memory_cost=19456, parallelism=1), True),
        (argon2.PasswordHasher(time_cost=2, memory_cost=8192, parallelism=1), True),
        (argon2.PasswordHasher(time_cost=2, memory_cost=19456, type=argon2.Type.I), True),
        (argon2.PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4), False),
    ],
    ids=["fewer-passes", "less-memory", "argon2i", "stronger"],
)
def test_argon2_hashes_below_todays_parameters_are_rehashed(hasher, outdated):
    stored = hasher.hash("a long password")
    assert passwords.needs_rehash(stored) is outdated
    verdict = passwords.check("a long password", stored)
    assert verdict.ok
    assert (verdict.new_hash is not None) is outdated


@pytest.mark.parametrize("stored", ["", "scrypt$not-base64!", "$argon2id$garbage", "plain"])
def test_malformed_hashes_never_verify(stored):
    assert not passwords.verify_password("anything at all", stored)


def test_an_unknown_account_costs_one_full_verification(monkeypatch):
    spy = Mock(wraps=passwords.verify_password)
    monkeypatch.setattr(passwords, "verify_password", spy)
    started = time.perf_counter()
    assert passwords.check("whatever password", None) == passwords.Verdict(False)
    unknown_seconds = time.perf_counter() - started
    [((_, stored), _)] = spy.call_args_list
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")  # a real, current hash
    # The dummy hash really is worked through (a malformed one would fail at once).
    assert unknown_seconds > 0.002


async def test_hashing_runs_on_worker_threads_while_the_loop_keeps_serving(monkeypatch):
    threads: list[str] = []
    real = passwords.check

    def recording(password: str, stored: str | None) -> passwords.Verdict:
        threads.append(threading.current_thread().name)
        time.sleep(0.3)  # a slow hash: the loop must not wait for it
        return real(password, stored)

    monkeypatch.setattr(passwords, "check", recording)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    running = asyncio.create_task(ticker())
    stored = await passwords.hash_off_loop("a long password")
    verdicts = await asyncio.gather(
        *(passwords.check_off_loop("a long password", stored) for _ in range(3))
    )
    running.cancel()
    assert all(v.ok for v in verdicts)
    assert threads and all(name.startswith("password-hash") for name in threads)
    assert ticks >= 10


@pytest.fixture
def peppered():
    yield passwords.use_peppers
    passwords.use_peppers(None)


def test_a_pepper_is_mixed_in_named_in_the_hash_and_needed_to_verify(peppered):
    plain = passwords.hash_password("correct horse battery")
    peppered("first-pepper-" + "a" * 30)
    first = passwords.hash_password("correct horse battery")
    assert first.startswith("pepper:") and "$argon2id$v=19$" in first
    assert passwords.verify_password("correct horse battery", first)
    assert not passwords.verify_password("correct horse batterY", first)
    # A hash from before the pepper still verifies, and is replaced at the next sign-in.
    verdict = passwords.check("correct horse battery", plain)
    assert verdict.ok and verdict.new_hash is not None and verdict.new_hash.startswith("pepper:")
    # Rotated: the previous pepper still verifies; its hashes are replaced with the new one.
    peppered("second-pepper-" + "b" * 30, "first-pepper-" + "a" * 30)
    verdict = passwords.check("correct horse battery", first)
    assert verdict.ok and verdict.new_hash is not None
    assert verdict.new_hash.split("$")[0] != first.split("$")[0]
    # Without the pepper that made it, a hash never verifies: the database alone is not enough.
    peppered("second-pepper-" + "b" * 30)
    assert not passwords.verify_password("correct horse battery", first)
    peppered(None)
    assert not passwords.check("correct horse battery", verdict.new_hash).ok
