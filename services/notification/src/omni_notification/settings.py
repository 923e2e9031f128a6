from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import SettingsConfigDict

from omni_kit.outbound import OutboundPolicy, url_refusal
from omni_kit.settings import ServiceSettings

EmailProvider = Literal["smtp", "file"]
WebhookProvider = Literal["webhook", "file"]
SmtpSecurity = Literal["auto", "starttls", "tls", "none"]


class NotificationSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="OMNI_NOTIFICATION_", extra="ignore", frozen=True)

    service_name: str = "notification"
    grpc_port: int = Field(default=50055, ge=0, le=65535)
    mongo_database: str = "omni_notification"

    customer_addr: str = "127.0.0.1:50054"
    catalog_addr: str = "127.0.0.1:50051"
    downstream_timeout_seconds: float = Field(default=5.0, gt=0)

    # Used when no template exists in the customer's language.
    fallback_language: str = Field(default="en", pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
    # First start with an empty template collection: store the built-in English templates.
    seed_templates: bool = True

    provider_timeout_seconds: float = Field(default=10.0, gt=0)
    max_concurrent_sends: int = Field(default=16, ge=1, le=1000)
    # Transient failures per channel before falling back for good to the next channel.
    max_attempts_per_channel: int = Field(default=4, ge=1, le=20)
    retry_first_seconds: float = Field(default=2.0, gt=0)
    retry_max_seconds: float = Field(default=600.0, gt=0)
    # How often due notifications (quiet hours over, retries) are looked for.
    scheduler_interval_seconds: float = Field(default=1.0, gt=0)
    # A send claimed by a process that then died is taken over after this long.
    dispatch_lease_seconds: float = Field(default=120.0, gt=0)

    # Local sinks for the "file" provider: .eml files and one JSON-lines log, for people to read.
    sink_dir: Path = Path(".omni/notifications")

    # Unset: "smtp" when smtp_host is set, else "file".
    email_provider: EmailProvider | None = None
    smtp_host: str = Field(default="", validate_default=True)
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_from: str = "Omni <no-reply@omni.local>"
    smtp_security: SmtpSecurity = "auto"
    # The name this service gives in EHLO. Unset: the host's name, read without a DNS lookup
    # (a reverse lookup per connection can stall every send where DNS is slow).
    smtp_helo_name: str = ""

    # Unset: "webhook" when the channel's URL is set, else "file".
    sms_provider: WebhookProvider | None = None
    sms_webhook_url: str = Field(default="", validate_default=True)
    push_provider: WebhookProvider | None = None
    push_webhook_url: str = Field(default="", validate_default=True)
    messenger_provider: WebhookProvider | None = None
    messenger_webhook_url: str = Field(default="", validate_default=True)
    # Sent as "Authorization: Bearer <token>" to webhook providers when set.
    webhook_token: SecretStr = SecretStr("")

    @field_validator("smtp_host")
    @classmethod
    def _smtp_host_when_smtp(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("email_provider") == "smtp" and not value:
            raise ValueError("required when OMNI_NOTIFICATION_EMAIL_PROVIDER is smtp")
        return value

    @field_validator("sms_webhook_url", "push_webhook_url", "messenger_webhook_url")
    @classmethod
    def _webhook_url(cls, value: str, info: ValidationInfo) -> str:
        channel = str(info.field_name).removesuffix("_webhook_url")
        if info.data.get(f"{channel}_provider") == "webhook" and not value:
            raise ValueError(
                f"required when OMNI_NOTIFICATION_{channel.upper()}_PROVIDER is webhook"
            )
        policy = OutboundPolicy(
            allow_http=bool(info.data.get("outbound_allow_http")),
            allow_private_networks=bool(info.data.get("outbound_allow_private_networks")),
        )
        why = value and url_refusal(value, policy)
        if why:
            raise ValueError(
                f"the URL {why} (OMNI_NOTIFICATION_OUTBOUND_ALLOW_* for local receivers)"
            )
        return value

    def provider_kind(self, channel: str) -> str:
        """The provider for "email", "sms", "push" or "messenger"."""
        if channel == "email":
            return self.email_provider or ("smtp" if self.smtp_host else "file")
        explicit = getattr(self, f"{channel}_provider")
        return explicit or ("webhook" if getattr(self, f"{channel}_webhook_url") else "file")
