"""One interface for every way a message leaves: SMTP, HTTP webhooks, local sinks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from omni_notification.domain.common import ContactChannel, IdentityKind
from omni_notification.domain.templates import Rendered


@dataclass(frozen=True)
class Outgoing:
    notification_id: str
    channel: ContactChannel
    recipient: str
    message: Rendered
    # Of a messenger recipient: which messenger.
    identity_kind: IdentityKind | None = None


class DeliveryError(Exception):
    """The provider did not take the message. Permanent: retrying the same address is useless
    (refused recipient, bad request); otherwise a later retry may work."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Provider(Protocol):
    name: str

    async def send(self, outgoing: Outgoing) -> str:
        """Hand the message over; returns the provider's message id (matched by receipts)."""
        ...
