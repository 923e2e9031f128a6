"""The console's per-page check that its refresh token is still live (security/accounts.py),
against the real store: a token seen live is kept for the session-check time instead of read on
every page, a session this process ends is refused at once, and one ended by another replica
within that time."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from omni_gateway.security.accounts import Accounts
from omni_gateway.security.principals import Kind, Principal, StaffRole

CORA = Principal(Kind.STAFF, "stf_cora", role=StaffRole.CONSULTANT)


async def test_a_live_token_is_kept_briefly_and_forgotten_when_its_session_ends(mongo, db_name):
    db = mongo[db_name]
    here = Accounts(db, timedelta(hours=1), live_cache_seconds=0.5)
    there = Accounts(db, timedelta(hours=1), live_cache_seconds=0.5)  # another replica
    token = await here.issue_refresh(CORA)
    assert await here.refresh_live(token) and await there.refresh_live(token)

    await db["refresh_tokens"].delete_many({})  # the store alone: both still trust their copy
    assert await here.refresh_live(token) and await there.refresh_live(token)

    other = await here.issue_refresh(CORA)
    assert await here.refresh_live(other)
    await here.revoke_refresh(other)  # signed out on this replica: refused here at once
    assert not await here.refresh_live(other) and not await here.refresh_live(token)

    assert await there.refresh_live(token)
    await asyncio.sleep(0.6)  # the other replica within the session-check time
    assert not await there.refresh_live(token)


async def test_without_a_cache_every_check_reads_the_store(mongo, db_name):
    db = mongo[db_name]
    accounts = Accounts(db, timedelta(hours=1))
    token = await accounts.issue_refresh(CORA)
    assert await accounts.refresh_live(token)
    await db["refresh_tokens"].delete_many({})
    assert not await accounts.refresh_live(token)
