"""Sales channels: which channel (and, for a marketplace, which partner) a listing sells on."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from omni_kit.errors import InvalidArgument


class SalesChannel(Enum):
    WEB = "web"
    APP = "app"
    POS = "pos"
    SOCIAL = "social"
    MESSENGER = "messenger"
    MARKETPLACE = "marketplace"
    PHONE = "phone"


@dataclass(frozen=True)
class Channel:
    """A channel as listings know it: the partner matters (marketplaces), a store does not."""

    sales_channel: SalesChannel | None = None
    partner_id: str = ""


def channel_name(sales_channel: SalesChannel) -> str:
    """The channel's name in keys, stored documents and messages (`SALES_CHANNEL_WEB`)."""
    return f"SALES_CHANNEL_{sales_channel.name}"


def channel_key(channel: Channel, field: str = "channel") -> str:
    """The key of a (channel, partner) pair: `SALES_CHANNEL_WEB`,
    `SALES_CHANNEL_MARKETPLACE:<partner id>`."""
    if channel.sales_channel is None:
        raise InvalidArgument("a sales channel is required", field=f"{field}.channel")
    name = channel_name(channel.sales_channel)
    if channel.sales_channel is SalesChannel.MARKETPLACE:
        if not channel.partner_id:
            raise InvalidArgument(
                "a marketplace channel needs the partner_id", field=f"{field}.partner_id"
            )
        return f"{name}:{channel.partner_id}"
    if channel.partner_id:
        raise InvalidArgument(
            f"partner_id applies to marketplace channels only, not {name}",
            field=f"{field}.partner_id",
        )
    return name
