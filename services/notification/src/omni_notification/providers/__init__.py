"""Providers per contact channel, chosen by settings."""

from __future__ import annotations

from omni_kit.outbound import OutboundClient
from omni_notification.domain.common import ContactChannel
from omni_notification.providers.base import DeliveryError, Outgoing, Provider
from omni_notification.providers.sinks import FileSink
from omni_notification.providers.smtp import SmtpProvider
from omni_notification.providers.webhook import WebhookProvider
from omni_notification.settings import NotificationSettings

CHANNELS = {
    "email": ContactChannel.EMAIL,
    "sms": ContactChannel.SMS,
    "push": ContactChannel.PUSH,
    "messenger": ContactChannel.MESSENGER,
}

__all__ = ["DeliveryError", "Outgoing", "Provider", "build_providers"]


def build_providers(
    settings: NotificationSettings, client: OutboundClient
) -> dict[ContactChannel, Provider]:
    sink = FileSink(settings.sink_dir, sender=settings.smtp_from)
    providers: dict[ContactChannel, Provider] = {}
    for name, channel in CHANNELS.items():
        kind = settings.provider_kind(name)
        if kind == "smtp":
            providers[channel] = SmtpProvider(
                settings.smtp_host,
                settings.smtp_port,
                sender=settings.smtp_from,
                username=settings.smtp_username,
                password=settings.smtp_password.get_secret_value(),
                security=settings.smtp_security,
                helo_name=settings.smtp_helo_name,
                timeout=settings.provider_timeout_seconds,
            )
        elif kind == "webhook":
            providers[channel] = WebhookProvider(
                f"{name}-webhook",
                getattr(settings, f"{name}_webhook_url"),
                client,
                token=settings.webhook_token.get_secret_value(),
            )
        else:
            providers[channel] = sink
    return providers
