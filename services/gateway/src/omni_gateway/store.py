"""The gateway's own database: accounts, refresh tokens, partners and keys, webhooks, rate-limit
counts, import jobs."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase

from omni_kit import idempotency

Db = AsyncDatabase[dict[str, Any]]

INDEXES = {
    # _id is the normalized e-mail: one account per address.
    # former_customer_ids: the fresh profiles an account had before its e-mail was proven and
    # it moved to the profile holding the address (their old tokens must still be revocable).
    "customer_accounts": [
        IndexModel([("customer_id", ASCENDING)], unique=True),
        IndexModel([("former_customer_ids", ASCENDING)]),
    ],
    # Verification and password-reset codes, as keyed digests; gone once expired.
    "account_codes": [
        IndexModel([("purpose", ASCENDING), ("account", ASCENDING)], unique=True),
        IndexModel([("digest", ASCENDING)]),
        IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0),
    ],
    "staff_users": [IndexModel([("username", ASCENDING)], unique=True)],
    "refresh_tokens": [
        IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0),
        IndexModel([("family", ASCENDING)]),
        IndexModel([("subject", ASCENDING)]),
    ],
    "partners": [IndexModel([("name", ASCENDING)], unique=True)],
    "api_keys": [IndexModel([("partner_id", ASCENDING)])],
    "webhooks": [IndexModel([("partner_id", ASCENDING)]), IndexModel([("event_types", ASCENDING)])],
    "webhook_deliveries": [
        IndexModel([("partner_id", ASCENDING), ("created_at", DESCENDING)]),
        IndexModel([("status", ASCENDING), ("next_attempt_at", ASCENDING)]),
        IndexModel([("webhook_id", ASCENDING), ("event_id", ASCENDING)], unique=True),
    ],
    # Rate-limit windows (omni_gateway.ratelimits): gone once their window has passed.
    "rate_limits": [IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0)],
    # Import jobs (omni_gateway.bulk.jobs): claimed by state and lease; errors are keyed by job
    # and line, so they need no index of their own.
    "import_jobs": [
        IndexModel([("state", ASCENDING), ("lease_until", ASCENDING)]),
        IndexModel([("created_at", DESCENDING), ("_id", DESCENDING)]),
    ],
    "import_chunks": [IndexModel([("job_id", ASCENDING)])],
    idempotency.COLLECTION: idempotency.INDEXES,
}
