"""One interface for every way a message leaves: SMTP, HTTP webhooks, local sinks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from omni.common.v1 import common_pb2
from omni.customer.v1 import customer_pb2
from omni.notification.v1 import notification_pb2


@dataclass(frozen=True)
class Outgoing:
    notification_id: str
    channel: common_pb2.ContactChannel.ValueType
    recipient: str
    message: notification_pb2.RenderedMessage
    # Of a messenger recipient: which messenger.
    identity_kind: customer_pb2.IdentityKind.ValueType = customer_pb2.IDENTITY_KIND_UNSPECIFIED


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
