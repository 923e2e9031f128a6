"""The configured carriers, built from settings, all calling out through one outbound client."""

from __future__ import annotations

from collections.abc import Iterator

from omni_kit.errors import InvalidArgument
from omni_kit.outbound import OutboundClient
from omni_order.carriers.base import Carrier
from omni_order.carriers.meest import Meest
from omni_order.carriers.nova_poshta import NovaPoshta, Sender
from omni_order.carriers.settings import CarrierSettings
from omni_order.carriers.table_rate import TableRateCarrier


class Carriers:
    """The carriers offered, in the configured order, by name."""

    def __init__(self, carriers: list[Carrier], item_weight_grams: int) -> None:
        self.by_name = {carrier.name: carrier for carrier in carriers}
        self.item_weight_grams = item_weight_grams

    def __iter__(self) -> Iterator[Carrier]:
        return iter(self.by_name.values())

    def get(self, name: str, field: str = "carrier") -> Carrier:
        carrier = self.by_name.get(name)
        if carrier is None:
            offered = ", ".join(self.by_name) or "none"
            raise InvalidArgument(f"no carrier {name!r}; offered: {offered}", field=field)
        return carrier


def build_carriers(settings: CarrierSettings, http: OutboundClient) -> Carriers:
    built: list[Carrier] = []
    for name in settings.carriers:
        if name == "table_rate":
            built.append(TableRateCarrier(settings.table_rate_carrier_name, settings.table_rates))
        elif name == "nova_poshta":
            sender = Sender(
                city_ref=settings.nova_poshta_sender_city_ref,
                counterparty_ref=settings.nova_poshta_sender_ref,
                address_ref=settings.nova_poshta_sender_address_ref,
                contact_ref=settings.nova_poshta_sender_contact_ref,
                phone=settings.nova_poshta_sender_phone,
            )
            built.append(
                NovaPoshta(
                    http,
                    api_url=settings.nova_poshta_api_url,
                    print_url=settings.nova_poshta_print_url,
                    api_key=settings.nova_poshta_api_key.get_secret_value(),
                    sender=sender,
                )
            )
        elif name == "meest":
            built.append(
                Meest(
                    http,
                    api_url=settings.meest_api_url,
                    username=settings.meest_username,
                    password=settings.meest_password.get_secret_value(),
                    sender_branch_id=settings.meest_sender_branch_id,
                )
            )
    return Carriers(built, settings.default_item_weight_grams)
