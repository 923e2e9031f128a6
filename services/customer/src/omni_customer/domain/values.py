"""Value types every part of the customer domain shares: channels, actors, contact, money."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class SalesChannel(Enum):
    WEB = "web"
    APP = "app"
    POS = "pos"
    SOCIAL = "social"
    MESSENGER = "messenger"
    MARKETPLACE = "marketplace"
    PHONE = "phone"


@dataclass(frozen=True)
class ChannelRef:
    """Where something happened: a sales channel, perhaps a partner's or a store's."""

    channel: SalesChannel | None = None
    partner_id: str = ""
    store_id: str = ""


class ActorKind(Enum):
    CUSTOMER = "customer"
    STAFF = "staff"
    PARTNER = "partner"
    SYSTEM = "system"


@dataclass(frozen=True)
class Actor:
    """Who did it."""

    kind: ActorKind | None = None
    id: str = ""
    display: str = ""


class ContactChannel(Enum):
    EMAIL = "email"
    SMS = "sms"
    PUSH = "push"
    MESSENGER = "messenger"
    PHONE_CALL = "phone_call"


class ContactPurpose(Enum):
    TRANSACTIONAL = "transactional"
    MARKETING = "marketing"


@dataclass(frozen=True)
class Money:
    """An amount in integer minor units of its ISO 4217 currency."""

    amount_minor: int
    currency: str
