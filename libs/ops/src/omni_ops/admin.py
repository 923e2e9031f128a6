"""`omni admin create`: a staff admin in the gateway's database, made by the gateway's own code
(omni_gateway.security.first_admin), e.g. after a lost password or before the first sign-in."""

from __future__ import annotations

import os

from omni_gateway.security import passwords
from omni_gateway.security.first_admin import create_admin
from omni_kit.settings import Environment
from omni_kit.store import mongo_client
from omni_ops import targets


async def create(username: str, password: str, environment: Environment) -> dict[str, str]:
    # Hashed as the gateway hashes: with its pepper (in the gateway's pod, from its Secret).
    pepper = os.environ.get("OMNI_GATEWAY_PASSWORD_PEPPER") or None
    if pepper is None and environment == "production":
        raise ValueError(
            "OMNI_GATEWAY_PASSWORD_PEPPER is required in production (run it in the gateway's pod)"
        )
    passwords.use_peppers(pepper, os.environ.get("OMNI_GATEWAY_PASSWORD_PREVIOUS_PEPPER") or None)
    client = mongo_client(targets.mongo_uri("gateway"), app_name="omni-cli")
    try:
        db = client[targets.mongo_database("gateway")]
        principal = await create_admin(db, username, password, environment=environment)
    finally:
        await client.close()
    return {"username": username, "staff_id": principal.id, "role": "admin"}
