"""The small values every order aggregate is made of: money, the channel, who acted.

Enum values are the one spelling documents store (the contract's value names), so a stored
`status` and a query for it read alike."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum


@dataclass(frozen=True)
class Money:
    """An amount in integer minor units (1999 EUR is 19.99 EUR); never a float."""

    amount_minor: int = 0
    currency_code: str = ""

    def times(self, quantity: int) -> Money:
        return Money(self.amount_minor * quantity, self.currency_code)

    def plus(self, other: Money) -> Money:
        """The sum; two currencies are never added up (a mixed sum is a bug, not a total)."""
        if other.currency_code != self.currency_code:
            raise ValueError(
                f"cannot add {other.currency_code or 'no currency'} to "
                f"{self.currency_code or 'no currency'}"
            )
        return Money(self.amount_minor + other.amount_minor, self.currency_code)


def total(amounts: Iterable[Money], currency_code: str) -> Money:
    """The exact sum of amounts all in `currency_code` (a mixed one raises)."""
    result = Money(0, currency_code)
    for amount in amounts:
        result = result.plus(amount)
    return result


class SalesChannel(Enum):
    UNSPECIFIED = "SALES_CHANNEL_UNSPECIFIED"
    WEB = "SALES_CHANNEL_WEB"
    APP = "SALES_CHANNEL_APP"
    POS = "SALES_CHANNEL_POS"
    SOCIAL = "SALES_CHANNEL_SOCIAL"
    MESSENGER = "SALES_CHANNEL_MESSENGER"
    MARKETPLACE = "SALES_CHANNEL_MARKETPLACE"
    PHONE = "SALES_CHANNEL_PHONE"


@dataclass(frozen=True)
class ChannelRef:
    """A channel, narrowed to a marketplace partner or a store where that matters."""

    channel: SalesChannel = SalesChannel.UNSPECIFIED
    partner_id: str = ""
    store_id: str = ""

    @property
    def name(self) -> str:
        name = self.channel.name.lower()
        return f"{name} ({self.partner_id})" if self.partner_id else name


class ActorKind(Enum):
    UNSPECIFIED = "ACTOR_KIND_UNSPECIFIED"
    CUSTOMER = "ACTOR_KIND_CUSTOMER"
    STAFF = "ACTOR_KIND_STAFF"
    PARTNER = "ACTOR_KIND_PARTNER"
    SYSTEM = "ACTOR_KIND_SYSTEM"


@dataclass(frozen=True)
class Actor:
    kind: ActorKind = ActorKind.UNSPECIFIED
    id: str = ""
    display: str = ""


SYSTEM = Actor(ActorKind.SYSTEM, "order", "order service")
