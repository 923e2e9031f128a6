"""Settings shared by every service, loaded from OMNI_<SERVICE>_* environment variables."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from omni_kit import faults
from omni_kit.outbound import OutboundPolicy

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
Environment = Literal["dev", "test", "production"]


class ProcessSettings(BaseSettings):
    """What every Omni process needs: its name, logs, traces and metrics."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    service_name: str
    # Production refuses test-only parts (fault injection).
    environment: Environment = "dev"
    otlp_endpoint: str | None = None
    # Headers sent with every export ("key=value,key=value"); unset: OTEL_EXPORTER_OTLP_HEADERS.
    otlp_headers: SecretStr | None = None
    # The share of new traces kept (0..1); unset: OTEL_TRACES_SAMPLER / _ARG (default: all).
    trace_sample_ratio: float | None = Field(default=None, ge=0, le=1)
    trace_file: Path | None = None
    log_level: LogLevel = "INFO"
    metrics_port: int = Field(default=0, ge=0, le=65535)
    metrics_host: str = "127.0.0.1"


class StreamSettings(BaseSettings):
    """How the JetStream streams a process creates are configured (omni_kit.events.streams):
    a floor; a start never lowers what an operator raised on an existing stream."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    # 3 on a NATS cluster in production: an acknowledged event then survives losing a server.
    stream_replicas: int = Field(default=1, ge=1, le=5)
    stream_storage: Literal["file", "memory"] = "file"
    event_retention_days: float = Field(default=7.0, gt=0)
    # How long a dead letter waits on omni.dlq.<consumer> to be looked at and replayed.
    dead_letter_retention_days: float = Field(default=30.0, gt=0)


class ServiceSettings(ProcessSettings, StreamSettings):
    """What every gRPC service needs; a service subclasses it with its own env prefix and ports."""

    grpc_host: str = "127.0.0.1"
    grpc_port: int = Field(ge=0, le=65535)
    mongo_uri: str = "mongodb://127.0.0.1:27017/?directConnection=true"
    mongo_database: str
    nats_url: str = "nats://127.0.0.1:4222"
    shutdown_grace_seconds: float = Field(default=5.0, ge=0)
    # A client's connection is closed (GOAWAY) after this long, so clients re-resolve the
    # service's addresses and spread over replicas added since; calls in flight get the grace.
    grpc_max_connection_age_seconds: float = Field(default=60.0, gt=0)
    grpc_max_connection_age_grace_seconds: float = Field(default=15.0, ge=0)
    # The most store time one call may take (each call's store work is bounded by its deadline
    # and by this): a call with a distant deadline does not wait that long for a store that is
    # down, and no single call holds the store longer.
    store_budget_seconds: float = Field(default=10.0, gt=0)
    # How long an idempotency key is remembered: a retry after that is a new request.
    idempotency_retention_hours: float = Field(default=24.0, gt=0)
    # How long a command's continuation (a placed order's saga) is left to its first attempt
    # before a retry under the same key may take it over.
    idempotency_lease_seconds: float = Field(default=30.0, gt=0)
    # An event fetched by a consumer that died unacknowledged is redelivered after this.
    event_ack_wait_seconds: float = Field(default=30.0, gt=0)
    # Health (grpc.health.v1): the store and NATS are checked every interval, each check bounded
    # by the timeout; after `health_failure_threshold` failed rounds in a row the service answers
    # NOT_SERVING (readiness), and SERVING again at the first round that passes.
    health_check_interval_seconds: float = Field(default=5.0, gt=0)
    health_check_timeout_seconds: float = Field(default=2.0, gt=0)
    health_failure_threshold: int = Field(default=2, ge=1)
    # Crash tests only: the process kills itself (SIGKILL) the fault_exit_after-th time it
    # reaches this step (omni_kit.faults.STEPS). Refused in production.
    fault_exit_at: str = ""
    fault_exit_after: int = Field(default=1, ge=1)
    # Calls out of the platform (notification providers, payment and carrier adapters) go to
    # public https destinations only; tests and local development may allow http and private
    # or loopback receivers. Refused in production.
    outbound_allow_http: bool = False
    outbound_allow_private_networks: bool = False

    @field_validator("outbound_allow_http", "outbound_allow_private_networks")
    @classmethod
    def _outbound_switch(cls, allowed: bool, info: ValidationInfo) -> bool:
        return not_in_production(allowed, info)

    def outbound_policy(self) -> OutboundPolicy:
        return OutboundPolicy(
            allow_http=self.outbound_allow_http,
            allow_private_networks=self.outbound_allow_private_networks,
        )

    @field_validator("fault_exit_at")
    @classmethod
    def _fault_allowed(cls, step: str, info: ValidationInfo) -> str:
        if not step:
            return step
        if info.data.get("environment") == "production":
            raise ValueError("fault injection is refused in the production environment")
        if step not in faults.STEPS:
            raise ValueError(f"no such step; one of {', '.join(faults.STEPS)}")
        return step


def not_in_production(enabled: bool, info: ValidationInfo) -> bool:
    """For a switch that only tests and local development may turn on."""
    if enabled and info.data.get("environment") == "production":
        raise ValueError("only for tests and local development; refused in production")
    return enabled


S = TypeVar("S", bound=BaseSettings)


def describe_errors(cls: type[BaseSettings], error: ValidationError) -> list[str]:
    """One line per bad setting, naming the environment variable and what is expected."""
    prefix = str(cls.model_config.get("env_prefix", "")).upper()
    lines = []
    for item in error.errors():
        name = prefix + "_".join(str(part) for part in item["loc"]).upper()
        given = item.get("input")
        secret = any(word in name for word in ("SECRET", "PASSWORD", "TOKEN", "_URI"))
        shown = "" if item["type"] == "missing" or secret else f" (got {given!r})"
        message = item["msg"][:1].lower() + item["msg"][1:]
        if isinstance(given, str):
            message = message.replace(" items", " characters")
        if not item["loc"]:  # a rule over several settings (the message names them)
            lines.append(f"invalid settings: {message}")
            continue
        lines.append(f"invalid setting {name}: {message}{shown}")
    return lines


def load_settings(cls: type[S]) -> S:
    """Load settings or stop the process with one line per wrong setting (exit code 2)."""
    try:
        return cls()
    except ValidationError as error:
        for line in describe_errors(cls, error):
            print(line, file=sys.stderr)
        raise SystemExit(2) from None
