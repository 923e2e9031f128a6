"""`omni admin create`: a staff admin in the gateway's database, made by the gateway's own code
(omni_gateway.security.first_admin), e.g. after a lost password or before the first sign-in."""

from __future__ import annotations

from omni_gateway.security.first_admin import create_admin
from omni_kit.settings import Environment
from omni_kit.store import mongo_client
from omni_ops import targets


async def create(username: str, password: str, environment: Environment) -> dict[str, str]:
    client = mongo_client(targets.mongo_uri("gateway"), app_name="omni-cli")
    try:
        db = client[targets.mongo_database("gateway")]
        principal = await create_admin(db, username, password, environment=environment)
    finally:
        await client.close()
    return {"username": username, "staff_id": principal.id, "role": "admin"}
