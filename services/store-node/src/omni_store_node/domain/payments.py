"""How a till may be paid while the node cannot reach the centre.

Cash is unlimited. A card is stored and forwarded: its authorization happens only when the sale
reaches the centre, so the store carries the risk of a decline, bounded per sale, in total, and
in age. Tenders that spend a balance held at the centre (gift cards, store credit, loyalty
points) cannot be checked offline, so they are refused there."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from omni_store_node.domain.sales import Sale, SaleRefused

CARD = "card"
# Balances kept at the centre: never spent offline (no escrow of them at the store yet).
CENTRE_BALANCE_TENDERS = ("gift_card", "store_credit", "loyalty")


@dataclass(frozen=True)
class CardLimits:
    currency: str
    sale_cap_minor: int
    stored_cap_minor: int
    max_age_seconds: int


@dataclass(frozen=True)
class StoredCards:
    """Offline card sales not yet forwarded: their total and the oldest one's time."""

    total_minor: int
    oldest: datetime | None


def refuse_centre_balance(tender: str) -> None:
    if tender in CENTRE_BALANCE_TENDERS:
        raise SaleRefused(
            f"{tender} is spent against a balance at the centre: refused while the store is"
            " offline (take cash or card)",
            "tender",
            409,
        )


def check_offline_card(sale: Sale, limits: CardLimits, stored: StoredCards) -> None:
    """Refuse an offline card sale beyond the store's limits (409 naming the tender)."""
    if sale.tender != CARD:
        return
    if sale.currency != limits.currency:
        raise SaleRefused(
            f"offline card limits are set in {limits.currency}, the sale is in {sale.currency}:"
            " take cash",
            "tender",
            409,
        )
    if sale.total_minor > limits.sale_cap_minor:
        raise SaleRefused(
            f"a card sale offline is at most {limits.sale_cap_minor} {limits.currency} minor"
            f" units (this one {sale.total_minor}): take cash",
            "tender",
            409,
        )
    if stored.total_minor + sale.total_minor > limits.stored_cap_minor:
        raise SaleRefused(
            f"card sales stored offline would exceed {limits.stored_cap_minor}"
            f" {limits.currency} minor units ({stored.total_minor} stored): take cash",
            "tender",
            409,
        )
    if stored.oldest is not None and sale.sold_at - stored.oldest > timedelta(
        seconds=limits.max_age_seconds
    ):
        raise SaleRefused(
            f"the oldest card sale stored offline is older than {limits.max_age_seconds} s:"
            " take cash until the link is back",
            "tender",
            409,
        )
