from pydantic import Field
from pydantic_settings import SettingsConfigDict

from omni_kit.settings import ServiceSettings


class CatalogSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="OMNI_CATALOG_", extra="ignore", frozen=True)

    service_name: str = "catalog"
    grpc_port: int = Field(default=50051, ge=0, le=65535)
    mongo_database: str = "omni_catalog"
    # How often the sale-window task looks for prices that change by themselves now.
    sale_poll_seconds: float = Field(default=1.0, gt=0, le=60)
    # The currency of a channel whose currencies an admin has not set (ISO 4217).
    default_currency: str = Field(default="EUR", pattern=r"^[A-Z]{3}$")
    # How often word counts of changed products reach the vocabulary (spelling corrections).
    vocabulary_seconds: float = Field(default=30.0, ge=0, le=600)
