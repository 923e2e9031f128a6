"""Provision every JetStream stream of the platform, then exit.

Run as `python -m omni_kit.events.provision` (OMNI_NATS_URL, OMNI_LOG_LEVEL, and the stream
settings OMNI_STREAM_REPLICAS, OMNI_STREAM_STORAGE, OMNI_EVENT_RETENTION_DAYS,
OMNI_DEAD_LETTER_RETENTION_DAYS).

The Helm hook Job runs it so streams exist before any service starts; services also provision
their own streams at start, so running it is optional and running it again changes nothing.
"""

from __future__ import annotations

import asyncio
import sys

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from omni_kit.app import StartupError
from omni_kit.events.bus import EventBus
from omni_kit.events.names import DOMAINS
from omni_kit.events.streams import StreamPolicy
from omni_kit.logs import get_logger, setup_logging
from omni_kit.settings import LogLevel, StreamSettings, load_settings

log = get_logger("omni.provision")


class ProvisionSettings(StreamSettings):
    model_config = SettingsConfigDict(env_prefix="OMNI_", extra="ignore", frozen=True)

    nats_url: str = "nats://127.0.0.1:4222"
    nats_connect_wait: float = Field(default=30.0, gt=0)
    log_level: LogLevel = "INFO"
    domains: list[str] = Field(default_factory=lambda: list(DOMAINS))


async def provision(settings: ProvisionSettings) -> list[str]:
    bus = EventBus(
        settings.nats_url,
        service_name="provision",
        connect_wait=settings.nats_connect_wait,
        streams=StreamPolicy.of(settings),
    )
    await bus.connect()
    try:
        streams = [await bus.ensure_domain_stream(domain) for domain in settings.domains]
        await bus.ensure_dead_letter_stream()
    finally:
        await bus.close()
    return streams


def main() -> None:
    settings = load_settings(ProvisionSettings)
    setup_logging("provision", settings.log_level)
    try:
        streams = asyncio.run(provision(settings))
    except StartupError as error:
        print(f"provision: {error} (OMNI_NATS_URL)", file=sys.stderr)
        raise SystemExit(1) from None
    log.info("streams_provisioned", streams=streams)


if __name__ == "__main__":
    main()
