import phonenumbers
from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from omni_kit.settings import ServiceSettings


class CustomerSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="OMNI_CUSTOMER_", extra="ignore", frozen=True)

    service_name: str = "customer"
    grpc_port: int = Field(default=50054, ge=0, le=65535)
    mongo_database: str = "omni_customer"
    # Phone numbers given without a country code ("0151 23456789") are read as this region's.
    default_phone_region: str = "DE"

    @field_validator("default_phone_region")
    @classmethod
    def _known_region(cls, value: str) -> str:
        region = value.strip().upper()
        if region not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError("expected an ISO 3166-1 alpha-2 region with phone numbering, e.g. DE")
        return region
