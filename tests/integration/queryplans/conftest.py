"""A store client that records every read the code under test sends (see plans.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from plans import Recorder
from pymongo import AsyncMongoClient


@pytest.fixture
async def recorded(mongo_uri: str) -> AsyncIterator[tuple[AsyncMongoClient, Recorder]]:
    recorder = Recorder()
    client: AsyncMongoClient = AsyncMongoClient(
        mongo_uri, tz_aware=True, uuidRepresentation="standard", event_listeners=[recorder]
    )
    yield client, recorder
    await client.close()
