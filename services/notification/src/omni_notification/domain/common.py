"""The small types every notification rule speaks: contact channels and purposes, who acted,
which sales channel, and money.

Enum values are the spelling documents store and the contracts name (`CONTACT_CHANNEL_EMAIL`);
"not given" is None, never a member."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

# ISO 4217 exponents other than 2.
_EXPONENTS = {
    **dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG"), 0),
    **dict.fromkeys(("RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
}


class ContactChannel(Enum):
    EMAIL = "CONTACT_CHANNEL_EMAIL"
    SMS = "CONTACT_CHANNEL_SMS"
    PUSH = "CONTACT_CHANNEL_PUSH"
    MESSENGER = "CONTACT_CHANNEL_MESSENGER"
    PHONE_CALL = "CONTACT_CHANNEL_PHONE_CALL"

    @property
    def label(self) -> str:
        """How messages and logs name it: "email", "phone_call"."""
        return self.name.lower()


class ContactPurpose(Enum):
    TRANSACTIONAL = "CONTACT_PURPOSE_TRANSACTIONAL"
    MARKETING = "CONTACT_PURPOSE_MARKETING"

    @property
    def label(self) -> str:
        return self.name.lower()


class IdentityKind(Enum):
    EMAIL = "IDENTITY_KIND_EMAIL"
    PHONE = "IDENTITY_KIND_PHONE"
    INSTAGRAM = "IDENTITY_KIND_INSTAGRAM"
    FACEBOOK = "IDENTITY_KIND_FACEBOOK"
    VIBER = "IDENTITY_KIND_VIBER"
    TELEGRAM = "IDENTITY_KIND_TELEGRAM"
    WHATSAPP = "IDENTITY_KIND_WHATSAPP"
    MARKETPLACE_BUYER = "IDENTITY_KIND_MARKETPLACE_BUYER"
    LOYALTY_CARD = "IDENTITY_KIND_LOYALTY_CARD"
    PUSH_TOKEN = "IDENTITY_KIND_PUSH_TOKEN"  # noqa: S105 - an identity kind


class SalesChannel(Enum):
    WEB = "SALES_CHANNEL_WEB"
    APP = "SALES_CHANNEL_APP"
    POS = "SALES_CHANNEL_POS"
    SOCIAL = "SALES_CHANNEL_SOCIAL"
    MESSENGER = "SALES_CHANNEL_MESSENGER"
    MARKETPLACE = "SALES_CHANNEL_MARKETPLACE"
    PHONE = "SALES_CHANNEL_PHONE"


class ActorKind(Enum):
    CUSTOMER = "ACTOR_KIND_CUSTOMER"
    STAFF = "ACTOR_KIND_STAFF"
    PARTNER = "ACTOR_KIND_PARTNER"
    SYSTEM = "ACTOR_KIND_SYSTEM"


@dataclass(frozen=True)
class Actor:
    kind: ActorKind | None = None
    id: str = ""
    display: str = ""


@dataclass(frozen=True)
class ChannelRef:
    """A sales channel, narrowed to a marketplace partner or a store where that matters."""

    channel: SalesChannel | None = None
    partner_id: str = ""
    store_id: str = ""


@dataclass(frozen=True)
class Money:
    amount_minor: int = 0
    currency: str = ""

    def display(self) -> str:
        """ "19.99 EUR" from (1999, "EUR"), integer arithmetic only; empty without a currency."""
        if not self.currency:
            return ""
        exponent = _EXPONENTS.get(self.currency, 2)
        sign = "-" if self.amount_minor < 0 else ""
        units, minor = divmod(abs(self.amount_minor), 10**exponent)
        number = f"{units}.{minor:0{exponent}d}" if exponent else str(units)
        return f"{sign}{number} {self.currency}"
