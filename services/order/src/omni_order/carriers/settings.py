"""The carrier settings of the order service (OMNI_ORDER_*): which carriers are offered, the
table of rates, and each carrier's endpoint, credentials and sender."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Literal, Self

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode

from omni_order.carriers.table_rate import TableRate, default_rates

CarrierName = Literal["table_rate", "nova_poshta", "meest"]


class CarrierSettings(BaseSettings):
    # Carriers asked for delivery options, in this order (comma-separated).
    carriers: Annotated[tuple[CarrierName, ...], NoDecode] = ("table_rate",)
    # The name orders and customers see for the table-rate carrier.
    table_rate_carrier_name: str = Field(default="dhl", pattern=r"^[a-z0-9_]+$")
    # JSON list of {service_level, zone, currency, max_weight_grams, amount_minor,
    # earliest_days, latest_days}; see docs/operations.md.
    table_rates: tuple[TableRate, ...] = Field(default_factory=default_rates)
    # A product without a weight counts as this much when a parcel is quoted.
    default_item_weight_grams: int = Field(default=500, gt=0, le=100_000)
    carrier_timeout_seconds: float = Field(default=5.0, gt=0)
    # How often shipments with a carrier's tracking number are polled.
    tracking_poll_interval_seconds: float = Field(default=300.0, gt=0)

    nova_poshta_api_url: str = "https://api.novaposhta.ua/v2.0/json/"
    nova_poshta_print_url: str = "https://my.novaposhta.ua"
    nova_poshta_api_key: SecretStr = SecretStr("")
    # The retailer's sender: refs from Address.getCities, Counterparty.getCounterparties,
    # Counterparty.getCounterpartyContactPersons and Address.getWarehouses.
    nova_poshta_sender_city_ref: str = ""
    nova_poshta_sender_ref: str = ""
    nova_poshta_sender_address_ref: str = ""
    nova_poshta_sender_contact_ref: str = ""
    nova_poshta_sender_phone: str = ""

    meest_api_url: str = "https://api.meest.com/v3.0/openAPI"
    meest_username: str = ""
    meest_password: SecretStr = SecretStr("")
    # The branch parcels are handed in at.
    meest_sender_branch_id: str = ""

    @field_validator("carriers", mode="before")
    @classmethod
    def _listed(cls, value: str | Iterable[str]) -> Iterable[str]:
        if isinstance(value, str):
            value = [name.strip() for name in value.split(",") if name.strip()]
        if not value:
            raise ValueError("name at least one carrier (table_rate, nova_poshta, meest)")
        return value

    @model_validator(mode="after")
    def _credentials(self) -> Self:
        missing = []
        if "nova_poshta" in self.carriers:
            for name in (
                "api_key",
                "sender_city_ref",
                "sender_ref",
                "sender_address_ref",
                "sender_contact_ref",
                "sender_phone",
            ):
                value = getattr(self, f"nova_poshta_{name}")
                if not (value.get_secret_value() if isinstance(value, SecretStr) else value):
                    missing.append(f"OMNI_ORDER_NOVA_POSHTA_{name.upper()}")
        if "meest" in self.carriers:
            for name in ("username", "password", "sender_branch_id"):
                value = getattr(self, f"meest_{name}")
                if not (value.get_secret_value() if isinstance(value, SecretStr) else value):
                    missing.append(f"OMNI_ORDER_MEEST_{name.upper()}")
        if "table_rate" in self.carriers and not self.table_rates:
            missing.append("OMNI_ORDER_TABLE_RATES")
        if missing:
            raise ValueError("the configured carriers need " + ", ".join(missing))
        return self
