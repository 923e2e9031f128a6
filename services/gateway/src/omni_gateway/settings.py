from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from omni_kit.outbound import OutboundPolicy
from omni_kit.settings import ProcessSettings, not_in_production

ORIGIN = re.compile(
    r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$|^https?://\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$"
)


class GatewaySettings(ProcessSettings):
    model_config = SettingsConfigDict(env_prefix="OMNI_GATEWAY_", extra="ignore", frozen=True)

    service_name: str = "gateway"
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8080, ge=0, le=65535)
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
    jwt_secret: SecretStr = Field(min_length=32)
    access_token_ttl_seconds: int = Field(default=900, ge=60, le=86_400)
    refresh_token_ttl_seconds: int = Field(default=30 * 86_400, ge=3600)
    # The first admin, created at start when no staff user exists yet.
    admin_username: str = "admin"
    admin_password: SecretStr | None = None

    rate_limit_per_minute: int = Field(default=600, ge=1)
    partner_rate_limit_per_minute: int = Field(default=1200, ge=1)
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

    webhook_timeout_seconds: float = Field(default=5.0, gt=0)
    webhook_max_attempts: int = Field(default=6, ge=1, le=20)
    webhook_first_retry_seconds: float = Field(default=2.0, gt=0)
    # Production accepts only public https endpoints (no SSRF into the cluster); tests and local
    # development may allow http and loopback receivers.
    # One switch for every call the gateway makes out of the platform (refused in production).
    webhook_allow_http: bool = False
    webhook_allow_private_networks: bool = False

    @field_validator("webhook_allow_http", "webhook_allow_private_networks")
    @classmethod
    def _outbound_switch(cls, allowed: bool, info: ValidationInfo) -> bool:
        return not_in_production(allowed, info)

    @field_validator("cors_allowed_origins", mode="before")
    @classmethod
    def _origins(cls, value: object) -> tuple[str, ...]:
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, (list, tuple)):
            raise ValueError("expected comma-separated origins")
        origins = tuple(str(item).strip().rstrip("/") for item in items if str(item).strip())
        for origin in origins:
            if not ORIGIN.match(origin):
                raise ValueError(
                    f"{origin!r} is not an origin: scheme://host[:port], no path, no wildcard"
                )
        return origins

    def outbound_policy(self) -> OutboundPolicy:
        return OutboundPolicy(
            allow_http=self.webhook_allow_http,
            allow_private_networks=self.webhook_allow_private_networks,
        )
