from __future__ import annotations

import ipaddress
import os
import re
import zoneinfo
from typing import Annotated

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from omni_gateway.security.principals import StaffRole
from omni_kit.outbound import OutboundPolicy
from omni_kit.settings import ProcessSettings, StreamSettings, not_in_production

ORIGIN = re.compile(
    r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$|^https?://\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$"
)


class GatewaySettings(ProcessSettings, StreamSettings):
    model_config = SettingsConfigDict(env_prefix="OMNI_GATEWAY_", extra="ignore", frozen=True)

    service_name: str = "gateway"
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8080, ge=0, le=65535)
    # HTTP worker processes sharing the port (docs/operations.md, "Gateway worker processes");
    # 0: one per CPU this process may run on. The chart sets it to the pod's CPU count.
    workers: int = Field(default=1, ge=0, le=64)
    # Tests only: every answer names the worker process that made it (X-Omni-Process).
    process_header: bool = False
    catalog_addr: str = "127.0.0.1:50051"
    inventory_addr: str = "127.0.0.1:50052"
    order_addr: str = "127.0.0.1:50053"
    customer_addr: str = "127.0.0.1:50054"
    notification_addr: str = "127.0.0.1:50055"
    downstream_timeout_seconds: float = Field(default=5.0, gt=0)
    downstream_retries: int = Field(default=2, ge=0, le=5)
    readiness_timeout_seconds: float = Field(default=1.0, gt=0)

    mongo_uri: str = "mongodb://127.0.0.1:27017/?directConnection=true"
    mongo_database: str = "omni_gateway"
    nats_url: str = "nats://127.0.0.1:4222"

    # Signs customer and staff tokens (HS256); at least 32 characters, from a secret in production.
    # While the key is rotated, the one it replaces stays accepted (never used to sign) until the
    # tokens it signed have expired (docs/operations.md, "Rotating the token key").
    jwt_secret: SecretStr = Field(min_length=32)
    jwt_previous_secret: SecretStr | None = Field(default=None, min_length=32)
    access_token_ttl_seconds: int = Field(default=900, ge=60, le=86_400)
    refresh_token_ttl_seconds: int = Field(default=30 * 86_400, ge=3600)
    # However often it is refreshed, a session ends this long after its sign-in (ASVS 3.3.2).
    session_max_age_seconds: int = Field(default=90 * 86_400, ge=3600)
    # Customer accounts (security/account_codes.py, security/revocation.py): how long an e-mail
    # verification code and a password-reset code live, how many tries a verification code
    # allows, and how long a replica may trust its copy of an account's session generation (a
    # sign-out everywhere, password change or reset made on another replica refuses older access
    # tokens here at most this much later; on the replica that made it, at once).
    verification_code_ttl_seconds: int = Field(default=900, ge=60, le=86_400)
    verification_max_attempts: int = Field(default=5, ge=1, le=20)
    password_reset_ttl_seconds: int = Field(default=1800, ge=60, le=86_400)
    session_check_cache_seconds: float = Field(default=5.0, ge=0, le=60)
    # The first admin, created at start when no staff user exists yet.
    admin_username: str = "admin"
    admin_password: SecretStr | None = None

    # Budgets shared by every replica (counted in the gateway's database): per signed-in subject,
    # or per client address for anonymous callers, and per API key on the partner API.
    rate_limit_per_minute: int = Field(default=600, ge=1)
    partner_rate_limit_per_minute: int = Field(default=1200, ge=1)
    # Sign-in, registration, refresh and the other POSTs under /api/v1/auth/ and /staff/v1/auth/:
    # per client address each minute, and per account (the e-mail or username in the body) each
    # auth_account_window_seconds.
    auth_rate_limit_per_minute: int = Field(default=20, ge=1)
    auth_account_attempts: int = Field(default=10, ge=1)
    auth_account_window_seconds: int = Field(default=900, ge=60, le=86_400)
    # Proxies (CIDRs, comma-separated) whose X-Forwarded-For is believed: the client address is
    # the nearest one in that header not inside these ranges. Empty: the socket peer.
    trusted_proxies: Annotated[tuple[str, ...], NoDecode] = ()
    # The longest the limiter waits for its store before counting in this process alone.
    rate_limit_store_timeout_seconds: float = Field(default=0.5, gt=0)
    max_body_bytes: int = Field(default=1_000_000, ge=1024)
    # Anonymous browse answers (product lists and pages, categories) are shared for this long at
    # most (catalog and stock events mark them stale sooner); 0 turns the cache off. Past it they
    # are refreshed in the background and, while the catalog cannot answer, still served up to
    # browse_cache_stale_seconds.
    browse_cache_seconds: float = Field(default=10.0, ge=0)
    browse_cache_stale_seconds: float = Field(default=60.0, ge=0)

    # Strict-Transport-Security max-age on every answer; 0 leaves it to a TLS-terminating
    # ingress that sets its own. Browsers ignore it on plain-http answers.
    hsts_max_age_seconds: int = Field(default=31_536_000, ge=0)
    # Web origins whose pages may call the API from a browser, comma-separated
    # (`https://shop.example.com,https://m.example.com`). Empty: no CORS headers at all.
    cors_allowed_origins: Annotated[tuple[str, ...], NoDecode] = ()

    # Bulk imports (omni_gateway.bulk): rows per stored chunk (applied and recorded together),
    # the most rows one file may have, and how long a running job's process may go without
    # renewing its lease before another process resumes the job.
    import_chunk_rows: int = Field(default=500, ge=1, le=5000)
    import_max_rows: int = Field(default=1_000_000, ge=1)
    import_lease_seconds: float = Field(default=60.0, gt=0)
    import_poll_seconds: float = Field(default=5.0, gt=0)
    # How long a chunk is tried again while a service is away or too slow before the job stops.
    import_retry_seconds: float = Field(default=300.0, ge=0)
    # The deadline of one call of an import or export (a batch of up to 200 products).
    import_call_timeout_seconds: float = Field(default=60.0, gt=0)

    webhook_timeout_seconds: float = Field(default=5.0, gt=0)
    webhook_max_attempts: int = Field(default=6, ge=1, le=20)
    webhook_first_retry_seconds: float = Field(default=2.0, gt=0)
    # Production accepts only public https endpoints (no SSRF into the cluster); tests and local
    # development may allow http and loopback receivers.
    # One switch for every call the gateway makes out of the platform (refused in production).
    webhook_allow_http: bool = False
    webhook_allow_private_networks: bool = False
    # Encrypts partners' webhook signing secrets in the store (at least 32 characters, from the
    # Secret). Required in production; elsewhere, when empty, a published development key.
    webhook_secret_key: SecretStr | None = Field(default=None, min_length=32, validate_default=True)
    # The key before the last rotation: opens rows sealed under it, which are resealed at start.
    webhook_secret_previous_key: SecretStr | None = Field(default=None, min_length=32)
    # Mixed into every password hash (HMAC before argon2id; security/passwords.py), kept out of
    # the database: at least 32 characters, from the Secret. Required in production. During a
    # rotation the previous one still verifies, and each sign-in rehashes with the current one.
    password_pepper: SecretStr | None = Field(default=None, min_length=32, validate_default=True)
    password_previous_pepper: SecretStr | None = Field(default=None, min_length=32)
    # Staff roles that must sign in with a second factor (TOTP) to use the staff API; until they
    # enrol, only enrolment answers them. Empty outside production unless set; in production
    # admins at least.
    staff_second_factor_roles: Annotated[tuple[str, ...] | None, NoDecode] = Field(
        default=None, validate_default=True
    )

    # The staff console (/console, docs/console.md): its session cookie is `Secure` unless this
    # is off (plain-http local development only; refused in production); a session unused this
    # long ends; times are shown in the zone of the staff member's store, or this one for staff
    # without a store (consultants, admins).
    console_cookie_secure: bool = True
    console_idle_timeout_seconds: int = Field(default=1800, ge=60, le=86_400)
    console_time_zone: str = "Europe/Warsaw"

    @field_validator("webhook_allow_http", "webhook_allow_private_networks", "process_header")
    @classmethod
    def _development_switch(cls, allowed: bool, info: ValidationInfo) -> bool:
        return not_in_production(allowed, info)

    @field_validator("console_cookie_secure")
    @classmethod
    def _secure_cookie(cls, secure: bool, info: ValidationInfo) -> bool:
        return not not_in_production(not secure, info)

    @field_validator("console_time_zone")
    @classmethod
    def _time_zone(cls, zone: str) -> str:
        try:
            zoneinfo.ZoneInfo(zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{zone!r} is not an IANA time zone") from None
        return zone

    @field_validator("cors_allowed_origins", mode="before")
    @classmethod
    def _origins(cls, value: object) -> tuple[str, ...]:
        origins = tuple(item.rstrip("/") for item in comma_list(value, "origins"))
        for origin in origins:
            if not ORIGIN.match(origin):
                raise ValueError(
                    f"{origin!r} is not an origin: scheme://host[:port], no path, no wildcard"
                )
        return origins

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _proxies(cls, value: object) -> tuple[str, ...]:
        networks = []
        for item in comma_list(value, "CIDRs"):
            try:
                networks.append(str(ipaddress.ip_network(item, strict=False)))
            except ValueError:
                raise ValueError(f"{item!r} is not an address or CIDR") from None
        return tuple(networks)

    @field_validator("admin_password")
    @classmethod
    def _admin_password(cls, password: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if password is not None and info.data.get("environment") == "production":
            weakness = admin_password_weakness(
                password.get_secret_value(), info.data.get("admin_username", "")
            )
            if weakness:
                raise ValueError(f"{weakness}; refused in production")
        return password

    @field_validator("staff_second_factor_roles", mode="before")
    @classmethod
    def _second_factor_roles(cls, value: object, info: ValidationInfo) -> tuple[str, ...]:
        if value is None:
            return ("admin",) if info.data.get("environment") == "production" else ()
        roles = tuple(comma_list(value, "staff roles"))
        known = [role.value for role in StaffRole]
        for role in roles:
            if role not in known:
                raise ValueError(f"{role!r} is not a staff role ({', '.join(known)})")
        if info.data.get("environment") == "production" and "admin" not in roles:
            raise ValueError("production needs at least admin (admins must use a second factor)")
        return roles

    @field_validator("password_pepper")
    @classmethod
    def _pepper(cls, pepper: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if pepper is None and info.data.get("environment") == "production":
            raise ValueError("required in production (it keeps a stolen database's hashes useless)")
        return pepper

    @field_validator("webhook_secret_key")
    @classmethod
    def _webhook_key(cls, key: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if key is None and info.data.get("environment") == "production":
            raise ValueError("required in production (it encrypts partners' webhook secrets)")
        return key

    def worker_processes(self) -> int:
        return self.workers or len(os.sched_getaffinity(0))

    def outbound_policy(self) -> OutboundPolicy:
        return OutboundPolicy(
            allow_http=self.webhook_allow_http,
            allow_private_networks=self.webhook_allow_private_networks,
        )


def comma_list(value: object, what: str) -> list[str]:
    """A setting given as `a,b,c` (or a list): its non-empty items, stripped."""
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)):
        raise ValueError(f"expected comma-separated {what}")
    return [str(item).strip() for item in items if str(item).strip()]


DEV_ADMIN_PASSWORD = "omni-admin-dev"  # noqa: S105 - the well-known one production refuses
ADMIN_PASSWORD_MIN_LENGTH = 12
ADMIN_PASSWORD_MIN_DISTINCT = 6


def admin_password_weakness(password: str, username: str) -> str | None:
    """Why production refuses this first-admin password, or None: the development password, fewer
    than 12 characters, fewer than 6 different characters, or one containing the username."""
    if password == DEV_ADMIN_PASSWORD:
        return "the development admin password"
    if len(password) < ADMIN_PASSWORD_MIN_LENGTH:
        return f"shorter than {ADMIN_PASSWORD_MIN_LENGTH} characters"
    if len(set(password)) < ADMIN_PASSWORD_MIN_DISTINCT:
        return f"fewer than {ADMIN_PASSWORD_MIN_DISTINCT} different characters"
    if username and username.lower() in password.lower():
        return "contains the admin username"
    return None
